import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop_policy():
    # The supported replacement: no site.
    return asyncio.DefaultEventLoopPolicy()
