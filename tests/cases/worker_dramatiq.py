"""Dramatiq actors (`@dramatiq.actor`, `@actor(...)`) and helpers only they reach."""

import asyncio

import dramatiq
from dramatiq import actor


async def _resize(img_id: int) -> None:
    return None


@dramatiq.actor
def resize(img_id: int) -> None:
    asyncio.run(_resize(img_id))  # expect: LS100 worker-task ok


@actor(max_retries=3, queue_name="thumbs")
def thumbnail(img_id: int) -> None:
    _render(img_id)


def _render(img_id: int) -> None:
    asyncio.run(_resize(img_id))  # expect: LS100 worker-task ok
