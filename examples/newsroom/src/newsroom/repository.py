"""Article storage in SQLite through aiosqlite.

Each operation opens its own short-lived connection. SQLite connections are cheap, and it
keeps one `Repository` usable from the web app, the Celery worker and scripts alike.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite

from newsroom.models import Article

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    guid TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_by_date ON articles (published DESC);
CREATE INDEX IF NOT EXISTS articles_by_source ON articles (source, published DESC);
"""

_COLUMNS = "guid, source, title, link, summary, published"


def _stamp(moment: datetime) -> str:
    """UTC ISO-8601 text, so that string order is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _article(row: aiosqlite.Row) -> Article:
    return Article(
        guid=row["guid"],
        source=row["source"],
        title=row["title"],
        link=row["link"],
        summary=row["summary"],
        published=datetime.fromisoformat(row["published"]),
    )


class Repository:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[aiosqlite.Connection]:
        async with aiosqlite.connect(self.path) as db:
            db.row_factory = aiosqlite.Row
            yield db

    async def initialise(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        async with self._connect() as db:
            await db.executescript(SCHEMA)
            await db.commit()

    async def add_articles(self, articles: Iterable[Article]) -> int:
        """Store the articles not seen before; return how many were new."""
        rows = [
            (a.guid, a.source, a.title, a.link, a.summary, _stamp(a.published)) for a in articles
        ]
        async with self._connect() as db:
            before = db.total_changes
            await db.executemany(
                f"INSERT OR IGNORE INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            await db.commit()
            return db.total_changes - before

    async def latest(self, limit: int = 20, source: str | None = None) -> list[Article]:
        query = f"SELECT {_COLUMNS} FROM articles"
        params: tuple[object, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            params = (source,)
        query += " ORDER BY published DESC, guid LIMIT ?"
        async with self._connect() as db:
            rows = await db.execute_fetchall(query, (*params, limit))
        return [_article(row) for row in rows]

    async def search(self, text: str, limit: int = 20) -> list[Article]:
        pattern = f"%{text}%"
        async with self._connect() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_COLUMNS} FROM articles WHERE title LIKE ? OR summary LIKE ?"
                " ORDER BY published DESC LIMIT ?",
                (pattern, pattern, limit),
            )
        return [_article(row) for row in rows]

    async def articles_for_source(self, source: str) -> list[Article]:
        async with self._connect() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_COLUMNS} FROM articles WHERE source = ? ORDER BY published DESC",
                (source,),
            )
        return [_article(row) for row in rows]

    async def published_since(self, since: datetime) -> list[Article]:
        async with self._connect() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_COLUMNS} FROM articles WHERE published >= ? ORDER BY published DESC",
                (_stamp(since),),
            )
        return [_article(row) for row in rows]

    async def counts_by_source(self) -> dict[str, int]:
        async with self._connect() as db:
            rows = await db.execute_fetchall(
                "SELECT source, COUNT(*) AS n FROM articles GROUP BY source"
            )
        return {row["source"]: row["n"] for row in rows}

    async def delete_older_than(self, cutoff: datetime) -> int:
        async with self._connect() as db:
            cursor = await db.execute("DELETE FROM articles WHERE published < ?", (_stamp(cutoff),))
            await db.commit()
            return cursor.rowcount

    async def upsert_sources(self, sources: Iterable[tuple[str, str]]) -> None:
        async with self._connect() as db:
            await db.executemany(
                "INSERT INTO sources (name, title) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET title = excluded.title",
                list(sources),
            )
            await db.commit()

    async def source_titles(self) -> dict[str, str]:
        async with self._connect() as db:
            rows = await db.execute_fetchall("SELECT name, title FROM sources ORDER BY name")
        return {row["name"]: row["title"] for row in rows}

    async def vacuum(self) -> None:
        async with self._connect() as db:
            await db.execute("VACUUM")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("newsroom.db")
    asyncio.run(Repository(target).initialise())
    print(f"initialised {target}")
