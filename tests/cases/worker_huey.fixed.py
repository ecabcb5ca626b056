"""Huey tasks: `@huey.task()`, `@huey.periodic_task(...)`, `@db_task()`."""

import asyncio

from huey import RedisHuey, crontab
from huey.contrib.djhuey import db_task
from loopsafe import current_loop

huey = RedisHuey("app")


async def _sync_inventory() -> None:
    return None


@huey.task()
def sync_inventory() -> None:
    asyncio.run(_sync_inventory())  # expect: LS100 worker-task ok


@huey.periodic_task(crontab(minute="0"))
def hourly() -> None:
    current_loop().run_until_complete(_sync_inventory())  # expect: LS402 worker-task fix; LS100 worker-task ok


@db_task()
def archive_orders() -> None:
    asyncio.run(_sync_inventory())  # expect: LS100 worker-task ok
