import pytest

from app.db import fetch_token


@pytest.fixture
async def token():
    return await fetch_token()  # expect: LS303 test-code fix


async def test_query(db) -> None:
    assert db == "conn"


def test_seeded_rows(seeded) -> None:
    assert seeded is None


def test_schema_sync(schema) -> None:
    assert schema == 3


async def test_schema_async(schema) -> None:
    assert schema == 3


async def test_with_token(token) -> None:
    assert token
