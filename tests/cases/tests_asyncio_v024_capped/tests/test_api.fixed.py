import asyncio

import pytest


@pytest.mark.asyncio(loop_scope="module")  # expect: LS304 pytest-config fix
async def test_ping() -> None:
    await asyncio.sleep(0)
