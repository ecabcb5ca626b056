import asyncio

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")  # expect: LS304 pytest-config fix


async def test_first_chunk() -> None:
    await asyncio.sleep(0)


async def test_second_chunk() -> None:
    await asyncio.sleep(0)
