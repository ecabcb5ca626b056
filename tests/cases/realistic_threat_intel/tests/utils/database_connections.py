import asyncio


async def _connect(url: str) -> str:
    return url


def open_test_db(url: str = "sqlite://") -> str:
    return asyncio.run(_connect(url))  # expect: LS100 test-code ok
