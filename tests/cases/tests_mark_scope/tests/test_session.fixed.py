import asyncio

import pytest
from pytest import mark


@pytest.mark.asyncio(loop_scope="class")  # expect: LS304 pytest-config fix
class TestSession:
    async def test_login(self) -> None:
        await asyncio.sleep(0)


@mark.asyncio(loop_scope="session")  # expect: LS304 pytest-config fix
async def test_shared() -> None:
    await asyncio.sleep(0)


@pytest.mark.asyncio(loop_scope="module")
async def test_already_migrated() -> None:
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_plain_mark() -> None:
    await asyncio.sleep(0)
