import asyncio

import pytest


@pytest.mark.asyncio
async def test_marked() -> None:
    await asyncio.sleep(0)


async def test_forgotten() -> None:
    await asyncio.sleep(0)


def test_blocking() -> None:
    asyncio.run(asyncio.sleep(0))  # expect: LS100 test-code ok
