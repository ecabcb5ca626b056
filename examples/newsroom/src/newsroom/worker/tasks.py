"""Celery tasks. The bodies stay thin: the work lives in newsroom.services."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

from newsroom.catalog import sync_sources_blocking
from newsroom.repository import Repository
from newsroom.services.ingest import ingest_sources
from newsroom.services.summary import build_digest
from newsroom.settings import get_settings
from newsroom.worker.celery_app import celery_app
from newsroom.worker.runner import run_task_coroutine

DIGEST_RECIPIENTS = ("desk@newsroom.example",)


@celery_app.task(name="newsroom.ingest_feed")
def ingest_feed(source_name: str) -> dict[str, Any]:
    settings = get_settings()
    reports = run_task_coroutine(
        ingest_sources(settings.db_path, settings.feeds_dir, [source_name])
    )
    return asdict(reports[0])


@celery_app.task(name="newsroom.prune_articles")
def prune_articles(before: str | None = None, keep_days: int = 30) -> int:
    if before is not None:
        cutoff = datetime.fromisoformat(before)
    else:
        cutoff = datetime.now(timezone.utc) - timedelta(days=keep_days)
    return asyncio.run(Repository(get_settings().db_path).delete_older_than(cutoff))


@celery_app.task(name="newsroom.send_digest")
def send_digest(since: str | None = None) -> str:
    """Write the digest mail to the outbox, which the mail relay drains."""
    settings = get_settings()
    start = (
        datetime.fromisoformat(since) if since else datetime.now(timezone.utc) - timedelta(days=1)
    )
    digest = build_digest(settings.db_path, since=start)
    message = EmailMessage()
    message["Subject"] = f"Newsroom digest: {digest.size} articles"
    message["From"] = "digest@newsroom.example"
    message["To"] = ", ".join(DIGEST_RECIPIENTS)
    message.set_content(digest.as_text())
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    path = settings.outbox_dir / f"digest-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.eml"
    path.write_bytes(message.as_bytes())
    return str(path)


@celery_app.task(name="newsroom.sync_sources")
def sync_catalogue() -> int:
    settings = get_settings()
    return sync_sources_blocking(Repository(settings.db_path), settings.feeds_dir)
