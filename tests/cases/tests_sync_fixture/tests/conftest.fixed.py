import asyncio

import pytest

from app.db import connect, seed


@pytest.fixture
async def db():
    # Requested by an async test: runs asyncio.run while pytest-asyncio owns the loop.
    return await connect()  # expect: LS303 test-code fix


@pytest.fixture
def seeded():
    # Only sync tests request it.
    asyncio.run(seed())  # expect: LS100 test-code ok
    yield


@pytest.fixture(scope="session")
async def schema():
    loop = asyncio.new_event_loop()  # expect: LS100 test-code ok
    try:
        yield await seed()  # expect: LS303 test-code fix
    finally:
        loop.close()
