import pytest


@pytest.mark.asyncio
async def test_rows(db, cache) -> None:
    assert db["rows"] == 3
