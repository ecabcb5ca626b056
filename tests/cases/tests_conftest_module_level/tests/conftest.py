import asyncio

import nest_asyncio
import pytest

nest_asyncio.apply()  # expect: LS204 test-code review


@pytest.fixture
def answer() -> int:
    return 42


def pytest_configure(config) -> None:
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())  # expect: LS403 test-code fix
