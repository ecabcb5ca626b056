import asyncio

import pytest_asyncio


@pytest_asyncio.fixture
async def ledger() -> dict[str, int]:
    await asyncio.sleep(0)
    return {"cash": 10}


async def test_balance(ledger: dict[str, int]) -> None:
    assert await asyncio.sleep(0, result=ledger["cash"]) == 10  # expect: LS101 async-context fix
