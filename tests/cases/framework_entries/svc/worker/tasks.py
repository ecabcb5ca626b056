"""The app comes from a module of the same name as the attribute."""

import asyncio

from svc.worker.celery_app import celery_app


async def _refresh() -> None:
    return None


@celery_app.task(bind=True)
def refresh(self) -> None:
    asyncio.run(_refresh())  # expect: LS100 worker-task ok
