import asyncio

import pytest


@pytest.fixture(scope="module")
def event_loop():  # expect: LS302 pytest-config review
    loop = asyncio.new_event_loop()  # expect: LS100 test-code ok
    yield loop
    loop.close()


@pytest.fixture(scope="module")
async def connection():
    return asyncio.Queue()


async def test_uses_it(connection):
    await connection.put(1)
