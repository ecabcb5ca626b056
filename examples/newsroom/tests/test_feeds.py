from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsroom.catalog import load_sources, sync_sources, sync_sources_blocking
from newsroom.parser import EPOCH, FeedError, parse_feed
from newsroom.repository import Repository


def test_rss_items(feeds_dir: Path) -> None:
    articles = parse_feed((feeds_dir / "world.xml").read_bytes(), source="world")
    assert [a.guid for a in articles] == [
        "world-1041",
        "world-1038",
        "https://world.example/2024/03/02/turnout",
        "world-1019",
    ]
    first = articles[0]
    assert first.source == "world"
    assert first.summary == "Delegates from 120 countries signed a pledge to cut methane emissions."
    assert first.published == datetime(2024, 3, 4, 9, 30, tzinfo=timezone.utc)
    assert articles[1].published == datetime(2024, 3, 3, 16, 5, tzinfo=timezone.utc)


def test_atom_entries(feeds_dir: Path) -> None:
    articles = parse_feed((feeds_dir / "tech.atom").read_text(encoding="utf-8"), source="tech")
    assert [a.link for a in articles] == [
        "https://tech.example/news/european-fab",
        "https://tech.example/news/db-2-0",
        "https://tech.example/news/dc-climate",
    ]
    assert articles[1].summary == "Release notes list a new query planner."
    assert articles[1].published == datetime(2024, 3, 1, 7, 0, tzinfo=timezone.utc)


def test_missing_fields_fall_back() -> None:
    [article] = parse_feed(
        "<rss><channel><item><title> Untitled \n draft </title></item></channel></rss>"
    )
    assert article.title == "Untitled draft"
    assert article.guid.startswith("sha1:")
    assert article.published == EPOCH


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<rss><channel><item>", "not well-formed"),
        (b"<html><body/></html>", "unsupported feed format"),
        (b"<rss version='2.0'/>", "no <channel>"),
    ],
)
def test_rejects_non_feeds(document: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(document)


async def test_catalogue(feeds_dir: Path, tmp_path: Path) -> None:
    assert [s.name for s in await load_sources(feeds_dir)] == ["world", "tech"]
    assert await load_sources(tmp_path) == []


async def test_sync_sources(repo: Repository, feeds_dir: Path) -> None:
    assert await sync_sources(repo, feeds_dir) == 2
    assert await repo.source_titles() == {"tech": "Tech Wire", "world": "World Desk"}


def test_sync_sources_blocking(tmp_path: Path, feeds_dir: Path) -> None:
    assert sync_sources_blocking(Repository(tmp_path / "news.db"), feeds_dir) == 2


async def test_sync_sources_blocking_refuses_a_running_loop(
    tmp_path: Path, feeds_dir: Path
) -> None:
    with pytest.raises(RuntimeError, match="await sync_sources"):
        sync_sources_blocking(Repository(tmp_path / "news.db"), feeds_dir)
