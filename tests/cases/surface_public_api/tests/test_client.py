from weather import fetch_forecast


def test_fetch_forecast() -> None:
    assert fetch_forecast() == {}
