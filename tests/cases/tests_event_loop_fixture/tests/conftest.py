import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop():  # expect: LS301 pytest-config fix
    loop = asyncio.get_event_loop_policy().new_event_loop()  # expect: LS100 test-code ok; LS403 test-code fix
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def event_loop_policy():
    # The supported replacement for overriding `event_loop`: no loop site (the class is
    # deprecated from Python 3.14, LS403).
    return asyncio.DefaultEventLoopPolicy()  # expect: LS403 test-code fix
