import asyncio

import pytest

pytestmark = pytest.mark.asyncio(scope="module")  # expect: LS302 pytest-config review


async def test_stream() -> None:
    await asyncio.sleep(0)
