"""Database upkeep that operators run by hand."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsroom.repository import Repository


@dataclass(frozen=True)
class CompactionReport:
    removed: int
    size_before: int
    size_after: int


def compact_database(db_path: Path, *, before: datetime | None = None) -> CompactionReport:
    """Optionally drop articles published before `before`, then VACUUM the file."""
    size_before = db_path.stat().st_size
    removed = asyncio.run(_compact(Repository(db_path), before))
    return CompactionReport(removed, size_before, db_path.stat().st_size)


async def _compact(repo: Repository, before: datetime | None) -> int:
    removed = await repo.delete_older_than(before) if before is not None else 0
    await repo.vacuum()
    return removed
