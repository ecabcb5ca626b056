"""Application factory: `uvicorn --factory newsroom.web.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from newsroom import __version__
from newsroom.repository import Repository
from newsroom.services.ingest import FeedIngestor
from newsroom.settings import Settings, get_settings
from newsroom.web.routes import router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        repo = Repository(settings.db_path)
        await repo.initialise()
        app.state.repo = repo
        app.state.ingestor = FeedIngestor(repo, settings.feeds_dir)
        yield

    app = FastAPI(title="newsroom", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router)
    return app
