from intel.core.rss_parser import RSSParser
from tests.utils.database_connections import open_test_db


async def test_parse(sample_entries: list[dict[str, str]]) -> None:
    assert await RSSParser().parse(sample_entries) == ["apt29"]


def test_db_url() -> None:
    assert open_test_db() == "sqlite://"
