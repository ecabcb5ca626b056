"""Blocking API over the async services, for scripts and notebooks.

from newsroom import api
api.ingest("news.db", "feeds")
for article in api.headlines("news.db"):
    print(article.title)
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

from newsroom.models import Article, IngestReport
from newsroom.repository import Repository
from newsroom.services.ingest import ingest_sources

__all__ = ["ingest", "headlines", "search"]

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def ingest(
    db_path: Path | str, feeds_dir: Path | str, sources: Iterable[str] = ()
) -> list[IngestReport]:
    """Ingest the named sources, or every source in the catalogue."""
    return _run(ingest_sources(Path(db_path), Path(feeds_dir), sources))


def headlines(db_path: Path | str, limit: int = 10, source: str | None = None) -> list[Article]:
    return _run(Repository(db_path).latest(limit, source=source))


def search(db_path: Path | str, text: str, limit: int = 20) -> list[Article]:
    return _run(Repository(db_path).search(text, limit))
