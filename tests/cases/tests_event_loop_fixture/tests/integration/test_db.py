import asyncio


async def test_db_roundtrip() -> None:
    await asyncio.sleep(0)
