"""Shared fixtures: the app with its lifespan, HTTP clients, databases, fixture feeds."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

FEEDS_DIR = Path(__file__).parent / "fixtures" / "feeds"

# Importing the worker reads the catalogue, so point it at the fixtures first.
os.environ.setdefault("NEWSROOM_FEEDS_DIR", str(FEEDS_DIR))

from newsroom.catalog import load_sources  # noqa: E402
from newsroom.repository import Repository  # noqa: E402
from newsroom.services.ingest import FeedIngestor, ingest_sources  # noqa: E402
from newsroom.settings import Settings  # noqa: E402
from newsroom.web.app import create_app  # noqa: E402


@pytest.fixture(scope="session")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the whole run, shared by the session-wide app and the tests."""
    loop = asyncio.get_event_loop_policy().new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def feeds_dir() -> Path:
    return FEEDS_DIR


@pytest.fixture(scope="session")
async def app(tmp_path_factory: pytest.TempPathFactory, feeds_dir: Path) -> AsyncIterator[FastAPI]:
    """The app, started once, with every fixture feed already ingested."""
    workdir = tmp_path_factory.mktemp("web")
    settings = Settings(
        db_path=workdir / "news.db", feeds_dir=feeds_dir, outbox_dir=workdir / "outbox"
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        for source in await load_sources(feeds_dir):
            await application.state.ingestor.ingest_source(source)
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://newsroom.test") as http:
        yield http


@pytest.fixture
def sync_client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
async def repo(tmp_path: Path) -> Repository:
    repository = Repository(tmp_path / "news.db")
    await repository.initialise()
    return repository


@pytest.fixture
async def ingestor(repo: Repository, feeds_dir: Path) -> FeedIngestor:
    return FeedIngestor(repo, feeds_dir)


@pytest.fixture
def seeded_db(tmp_path: Path, feeds_dir: Path) -> Path:
    """A database file holding every fixture feed, for the blocking interfaces."""
    db_path = tmp_path / "seeded.db"
    asyncio.run(ingest_sources(db_path, feeds_dir))
    return db_path
