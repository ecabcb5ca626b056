import asyncio

import pytest

pytestmark = pytest.mark.asyncio(scope="module")  # expect: LS100 pytest-config ok


async def test_stream() -> None:
    await asyncio.sleep(0)
