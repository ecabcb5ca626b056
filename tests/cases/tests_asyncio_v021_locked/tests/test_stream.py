import asyncio

import pytest

pytestmark = pytest.mark.asyncio(scope="module")  # expect: LS302 pytest-config review


async def open_stream() -> list[int]:
    return [1, 2]


@pytest.fixture(scope="module")
def stream() -> list[int]:
    return asyncio.run(open_stream())  # expect: LS303 test-code fix


async def test_first_chunk(stream: list[int]) -> None:
    assert stream[0] == 1
