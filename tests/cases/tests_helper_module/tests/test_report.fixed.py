from tests.helpers import load_rows, make_client


async def test_report_rows() -> None:
    assert await load_rows() == [1, 2]


def test_client() -> None:
    assert make_client() == "client"
