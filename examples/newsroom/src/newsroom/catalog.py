"""The feed catalogue: `sources.json` in the feeds directory lists what we ingest."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from newsroom.repository import Repository

CATALOG_FILE = "sources.json"


@dataclass(frozen=True)
class FeedSource:
    name: str
    title: str
    file: str
    refresh_minutes: int = 60

    def path(self, feeds_dir: Path) -> Path:
        return feeds_dir / self.file


async def load_sources(feeds_dir: Path) -> list[FeedSource]:
    """The catalogue; empty on a fresh install that has none yet."""
    path = feeds_dir / CATALOG_FILE
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except FileNotFoundError:
        return []
    return [FeedSource(**entry) for entry in json.loads(text)]


async def find_source(feeds_dir: Path, name: str) -> FeedSource | None:
    for source in await load_sources(feeds_dir):
        if source.name == name:
            return source
    return None


async def sync_sources(repo: Repository, feeds_dir: Path) -> int:
    """Copy the catalogue into the database so that reports can show source titles."""
    sources = await load_sources(feeds_dir)
    await repo.initialise()
    await repo.upsert_sources((source.name, source.title) for source in sources)
    return len(sources)


def sync_sources_blocking(repo: Repository, feeds_dir: Path) -> int:
    """`sync_sources` for callers that have no event loop: the CLI and the beat schedule."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(sync_sources(repo, feeds_dir))
    raise RuntimeError(
        "sync_sources_blocking() cannot run inside an event loop; await sync_sources() instead"
    )
