from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newsroom.models import Article
from newsroom.repository import Repository

pytestmark = pytest.mark.asyncio(scope="module")


def article(guid: str, day: int, title: str = "", source: str = "world") -> Article:
    return Article(
        guid=guid,
        source=source,
        title=title or f"Story {guid}",
        link=f"https://example.org/{guid}",
        summary=f"About {title or guid}.",
        published=datetime(2024, 3, day, 12, tzinfo=timezone.utc),
    )


async def test_add_is_idempotent(repo: Repository) -> None:
    assert await repo.add_articles([article("a", 1), article("b", 2)]) == 2
    assert await repo.add_articles([article("b", 2), article("c", 3)]) == 1


async def test_latest_newest_first(repo: Repository) -> None:
    await repo.add_articles([article("a", 1), article("b", 3, source="tech"), article("c", 2)])
    assert [a.guid for a in await repo.latest(2)] == ["b", "c"]
    assert [a.guid for a in await repo.latest(source="world")] == ["c", "a"]


async def test_search_title_and_summary(repo: Repository) -> None:
    await repo.add_articles([article("a", 1, "Rail strike"), article("b", 2, "Budget vote")])
    assert [a.guid for a in await repo.search("strike")] == ["a"]
    assert [a.guid for a in await repo.search("about budget")] == ["b"]


async def test_counts_and_pruning(repo: Repository) -> None:
    await repo.add_articles([article("a", 1), article("b", 2), article("c", 3, source="tech")])
    assert await repo.counts_by_source() == {"world": 2, "tech": 1}
    assert await repo.delete_older_than(datetime(2024, 3, 2, tzinfo=timezone.utc)) == 1
    assert await repo.counts_by_source() == {"world": 1, "tech": 1}
    cutoff = datetime(2024, 3, 2, 12, tzinfo=timezone.utc)
    assert [a.guid for a in await repo.published_since(cutoff)] == ["c", "b"]
