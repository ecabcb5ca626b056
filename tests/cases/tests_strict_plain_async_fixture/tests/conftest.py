# Strict mode: an async fixture under a plain `@pytest.fixture` is never run by
# pytest-asyncio; the test receives a coroutine object.
import pytest
import pytest_asyncio


@pytest.fixture
async def db():  # expect: LS302 pytest-config review
    return {"rows": 3}


@pytest_asyncio.fixture
async def cache():
    return {}
