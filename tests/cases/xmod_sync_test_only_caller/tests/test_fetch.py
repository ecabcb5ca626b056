from lib.fetch import fetch_sync


def test_fetch_sync() -> None:
    assert fetch_sync("/x") == "/x"
