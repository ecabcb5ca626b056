import asyncio

from celery import shared_task

from proj.celery_app import app
from proj.feeds import fetch_feed
from proj.metrics import push_metrics


async def _refresh() -> None:
    return None


async def _send(uid: int) -> None:
    return None


@app.task
def refresh_feeds() -> None:
    asyncio.run(_refresh())  # expect: LS100 worker-task ok


@app.task(bind=True, max_retries=3)
def send_digest(self, uid: int) -> None:
    try:
        asyncio.run(_send(uid))  # expect: LS100 worker-task ok
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def report() -> None:
    push_metrics()


@app.task
def fetch_feed_task(url: str) -> int:
    return len(asyncio.run(fetch_feed(url)))
