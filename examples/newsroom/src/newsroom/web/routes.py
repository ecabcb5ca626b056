"""HTTP routes."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from newsroom.catalog import find_source, load_sources
from newsroom.parser import FeedError, parse_feed
from newsroom.repository import Repository
from newsroom.services.export import export_source_rss
from newsroom.services.ingest import FeedIngestor
from newsroom.services.summary import build_digest
from newsroom.settings import Settings

router = APIRouter()


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def repository(request: Request) -> Repository:
    return request.app.state.repo


def ingestor(request: Request) -> FeedIngestor:
    return request.app.state.ingestor


@router.get("/articles")
async def list_articles(
    limit: int = 20, source: str | None = None, repo: Repository = Depends(repository)
) -> list[dict[str, str]]:
    return [article.as_dict() for article in await repo.latest(limit, source=source)]


@router.get("/articles/search")
async def search_articles(
    q: str, limit: int = 20, repo: Repository = Depends(repository)
) -> list[dict[str, str]]:
    return [article.as_dict() for article in await repo.search(q, limit)]


@router.get("/sources")
async def list_sources(
    settings: Settings = Depends(app_settings), repo: Repository = Depends(repository)
) -> list[dict[str, Any]]:
    catalogue = asyncio.run(load_sources(settings.feeds_dir))
    counts = await repo.counts_by_source()
    return [
        {"name": source.name, "title": source.title, "articles": counts.get(source.name, 0)}
        for source in catalogue
    ]


@router.post("/sources/{name}/ingest")
async def ingest_source(
    name: str,
    settings: Settings = Depends(app_settings),
    feed_ingestor: FeedIngestor = Depends(ingestor),
) -> dict[str, Any]:
    source = await find_source(settings.feeds_dir, name)
    if source is None:
        raise HTTPException(status_code=404, detail=f"unknown source {name!r}")
    return asdict(await feed_ingestor.ingest_source(source))


@router.post("/feeds/preview")
async def preview_feed(request: Request) -> dict[str, Any]:
    """Parse a posted feed document without storing it, so editors can vet a new source."""
    document = await request.body()
    loop = asyncio.get_event_loop()
    try:
        articles = await loop.run_in_executor(None, parse_feed, document)
    except FeedError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {"count": len(articles), "items": [article.as_dict() for article in articles[:10]]}


@router.get("/digest")
async def digest(
    since: datetime | None = None,
    per_source: int = 5,
    settings: Settings = Depends(app_settings),
) -> dict[str, object]:
    start = since or datetime.now(timezone.utc) - timedelta(days=1)
    return build_digest(settings.db_path, since=start, per_source=per_source).as_dict()


@router.get("/sources/{name}/feed.xml")
async def export_feed(name: str, settings: Settings = Depends(app_settings)) -> Response:
    loop = asyncio.get_running_loop()
    body = await loop.run_in_executor(None, export_source_rss, settings.db_path, name)
    return Response(content=body, media_type="application/rss+xml")


@router.get("/sources/{name}/articles.csv")
def export_csv(name: str, repo: Repository = Depends(repository)) -> Response:
    articles = asyncio.run(repo.articles_for_source(name))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["published", "title", "link"])
    for article in articles:
        writer.writerow([article.published.isoformat(), article.title, article.link])
    return Response(content=buffer.getvalue(), media_type="text/csv")
