import asyncio

import pytest_asyncio


@pytest_asyncio.fixture
async def cache() -> dict[str, str]:
    return {}


async def test_cache_miss(cache: dict[str, str]) -> None:
    loop = asyncio.get_running_loop()  # expect: LS201 async-context fix
    assert loop.is_running() and cache == {}
