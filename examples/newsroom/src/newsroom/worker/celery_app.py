"""The Celery application and its beat schedule.

celery -A newsroom.worker.celery_app worker -B
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

from newsroom.catalog import load_sources
from newsroom.settings import get_settings

celery_app = Celery(
    "newsroom",
    broker=os.environ.get("NEWSROOM_BROKER", "memory://"),
    include=["newsroom.worker.tasks"],
)
celery_app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    task_acks_late=True,
)

_catalogue = asyncio.run(load_sources(get_settings().feeds_dir))

celery_app.conf.beat_schedule = {
    **{
        f"ingest-{source.name}": {
            "task": "newsroom.ingest_feed",
            "schedule": timedelta(minutes=source.refresh_minutes),
            "args": (source.name,),
        }
        for source in _catalogue
    },
    "sync-sources": {"task": "newsroom.sync_sources", "schedule": crontab(minute=0)},
    "prune-articles": {"task": "newsroom.prune_articles", "schedule": crontab(hour=3, minute=0)},
    "send-digest": {"task": "newsroom.send_digest", "schedule": crontab(hour=7, minute=0)},
}
