import pytest_asyncio


@pytest_asyncio.fixture(loop_scope="function")
async def client() -> str:
    return "client"
