from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
from celery import Celery
from celery.result import EagerResult

from newsroom import api
from newsroom.worker.celery_app import celery_app
from newsroom.worker.tasks import ingest_feed, prune_articles, send_digest, sync_catalogue


@pytest.fixture
def eager_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, feeds_dir: Path
) -> Iterator[Celery]:
    """Tasks run in-process on .delay(), with the settings a worker would read."""
    monkeypatch.setenv("NEWSROOM_DB", str(tmp_path / "worker.db"))
    monkeypatch.setenv("NEWSROOM_FEEDS_DIR", str(feeds_dir))
    monkeypatch.setenv("NEWSROOM_OUTBOX", str(tmp_path / "outbox"))
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield celery_app
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


def test_beat_schedule_covers_catalogue() -> None:
    schedule = celery_app.conf.beat_schedule
    assert schedule["ingest-world"]["args"] == ("world",)
    assert schedule["ingest-tech"]["task"] == "newsroom.ingest_feed"


def test_ingest_feed_task(eager_worker: Celery, tmp_path: Path) -> None:
    result = ingest_feed.delay("world")
    assert isinstance(result, EagerResult)
    assert result.successful()
    assert result.get() == {"source": "world", "seen": 4, "added": 4}
    assert [a.source for a in api.headlines(tmp_path / "worker.db")] == ["world"] * 4


def test_prune_task(eager_worker: Celery, tmp_path: Path) -> None:
    ingest_feed.delay("tech").get()
    removed = prune_articles.delay(before="2024-03-02T00:00:00+00:00").get()
    assert removed == 2
    assert len(api.headlines(tmp_path / "worker.db")) == 1


def test_send_digest_task(eager_worker: Celery, tmp_path: Path) -> None:
    ingest_feed.delay("world").get()
    ingest_feed.delay("tech").get()
    path = Path(send_digest.delay(since="2024-03-03T00:00:00+00:00").get())
    assert path.parent == tmp_path / "outbox"
    message = message_from_bytes(path.read_bytes())
    assert message["Subject"] == "Newsroom digest: 3 articles"
    body = message.get_payload(decode=True).decode()
    assert "== tech ==" in body and "Port strike enters its second week" in body


def test_sync_sources_task(eager_worker: Celery) -> None:
    assert sync_catalogue.delay().get() == 2
