import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop():  # expect: LS301 pytest-config fix
    loop = asyncio.new_event_loop()  # expect: LS100 test-code ok
    yield loop
    loop.close()
