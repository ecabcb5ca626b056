from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from newsroom.catalog import FeedSource, load_sources
from newsroom.parser import FeedError
from newsroom.repository import Repository
from newsroom.services.ingest import FeedIngestor, ingest_sources


@pytest.fixture
def seeded_ingestor(tmp_path: Path, feeds_dir: Path) -> FeedIngestor:
    repo = Repository(tmp_path / "seeded.db")
    asyncio.run(ingest_sources(repo.path, feeds_dir))
    return FeedIngestor(repo, feeds_dir)


async def test_ingest_source_stores_articles(ingestor: FeedIngestor, feeds_dir: Path) -> None:
    world, _ = await load_sources(feeds_dir)
    report = await ingestor.ingest_source(world)
    assert (report.source, report.seen, report.added) == ("world", 4, 4)
    assert [a.guid for a in await ingestor.repo.latest(2)] == ["world-1041", "world-1038"]


async def test_ingest_source_twice_adds_nothing(ingestor: FeedIngestor, feeds_dir: Path) -> None:
    _, tech = await load_sources(feeds_dir)
    await ingestor.ingest_source(tech)
    report = await ingestor.ingest_source(tech)
    assert (report.seen, report.added) == (3, 0)


async def test_broken_feed_is_rejected(ingestor: FeedIngestor) -> None:
    with pytest.raises(FeedError):
        await ingestor.ingest_source(FeedSource("broken", "Broken", "broken.xml"))
    assert await ingestor.repo.latest() == []


async def test_unknown_source_name(tmp_path: Path, feeds_dir: Path) -> None:
    with pytest.raises(LookupError, match="sports"):
        await ingest_sources(tmp_path / "news.db", feeds_dir, ["world", "sports"])


async def test_ingest_many(ingestor: FeedIngestor, feeds_dir: Path) -> None:
    reports = await ingestor.ingest_many(await load_sources(feeds_dir))
    assert [(r.source, r.added) for r in reports] == [("world", 4), ("tech", 3)]
    assert await ingestor.repo.counts_by_source() == {"world": 4, "tech": 3}


async def test_prune(ingestor: FeedIngestor, feeds_dir: Path) -> None:
    for source in await load_sources(feeds_dir):
        await ingestor.ingest_source(source)
    assert await ingestor.prune(timedelta(days=1)) == 7
    assert await ingestor.repo.latest() == []


async def test_reingest_of_seeded_database(seeded_ingestor: FeedIngestor, feeds_dir: Path) -> None:
    reports = [await seeded_ingestor.ingest_source(s) for s in await load_sources(feeds_dir)]
    assert [(r.source, r.seen, r.added) for r in reports] == [("world", 4, 0), ("tech", 3, 0)]
