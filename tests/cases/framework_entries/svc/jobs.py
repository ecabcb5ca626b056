"""APScheduler runs a sync job in its thread pool executor."""

import asyncio

from apscheduler.schedulers.background import BackgroundScheduler


async def _cleanup() -> None:
    return None


def cleanup() -> None:
    asyncio.run(_cleanup())  # expect: LS100 thread ok


def nightly() -> None:
    asyncio.run(_cleanup())  # expect: LS100 thread ok


scheduler = BackgroundScheduler()
scheduler.add_job(cleanup, "interval", minutes=5)


@scheduler.scheduled_job("cron", hour=3)
def _nightly_job() -> None:
    nightly()
