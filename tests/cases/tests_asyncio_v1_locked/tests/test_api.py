import asyncio


async def test_ping() -> None:
    await asyncio.sleep(0)
