import asyncio

import pytest


@pytest.mark.asyncio(scope="module")  # expect: LS100 pytest-config ok
async def test_ping() -> None:
    await asyncio.sleep(0)
