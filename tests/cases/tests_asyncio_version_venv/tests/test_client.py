import asyncio

import pytest


@pytest.mark.asyncio(scope="module")  # expect: LS302 pytest-config review
async def test_ping() -> None:
    await asyncio.sleep(0)
