import asyncio


async def test_client(client: str) -> None:
    assert client == "client"


def test_sync_smoke() -> None:
    assert asyncio.run(asyncio.sleep(0, result=2)) == 2  # expect: LS100 test-code ok
