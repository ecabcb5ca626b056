import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop():  # expect: LS301 pytest-config fix
    loop = asyncio.get_event_loop_policy().new_event_loop()  # expect: LS100 test-code ok
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def event_loop_policy():
    # The supported replacement: no site.
    return asyncio.DefaultEventLoopPolicy()
