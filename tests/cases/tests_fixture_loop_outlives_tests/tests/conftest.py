# A session-long loop for the fixture, per-test loops for the tests: a queue or client the
# fixture makes is "attached to a different loop" in every test.
import asyncio

import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def queue():  # expect: LS302 pytest-config review
    return asyncio.Queue()


@pytest_asyncio.fixture(scope="module", loop_scope="function")
async def counter():
    return 0
