"""Feed ingestion: read a source's feed document, parse it, store what is new."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsroom.catalog import FeedSource, load_sources
from newsroom.models import Article, IngestReport
from newsroom.parser import parse_feed
from newsroom.repository import Repository


def _read_and_parse(path: Path, source: str) -> list[Article]:
    return parse_feed(path.read_bytes(), source=source)


class FeedIngestor:
    def __init__(self, repo: Repository, feeds_dir: Path, *, max_workers: int = 4) -> None:
        self.repo = repo
        self.feeds_dir = feeds_dir
        self.max_workers = max_workers
        self._loop = asyncio.get_event_loop()

    async def ingest_source(self, source: FeedSource) -> IngestReport:
        # Big feeds take a while to parse: keep that off the event loop.
        articles = await self._loop.run_in_executor(
            None, _read_and_parse, source.path(self.feeds_dir), source.name
        )
        added = await self.repo.add_articles(articles)
        return IngestReport(source=source.name, seen=len(articles), added=added)

    async def ingest_many(self, sources: Sequence[FeedSource]) -> list[IngestReport]:
        """Ingest several sources, each in a worker of its own."""
        reports = []
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="ingest") as pool:
            for source in sources:
                reports.append(pool.submit(asyncio.run, self.ingest_source(source)).result())
        return reports

    async def prune(self, older_than: timedelta) -> int:
        """Drop articles published more than `older_than` ago; return how many went."""
        cutoff = datetime.now(timezone.utc) - older_than
        return self._loop.run_until_complete(self.repo.delete_older_than(cutoff))


async def ingest_sources(
    db_path: Path, feeds_dir: Path, names: Iterable[str] = ()
) -> list[IngestReport]:
    """Ingest the named sources (all of them when none are named) into the database."""
    wanted = set(names)
    repo = Repository(db_path)
    await repo.initialise()
    ingestor = FeedIngestor(repo, feeds_dir)
    reports = []
    for source in await load_sources(feeds_dir):
        if not wanted or source.name in wanted:
            reports.append(await ingestor.ingest_source(source))
    unknown = wanted - {report.source for report in reports}
    if unknown:
        raise LookupError(f"unknown source(s): {', '.join(sorted(unknown))}")
    return reports
