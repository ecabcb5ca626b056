import asyncio

from redis import Redis
from rq.decorators import job


async def _render(rid: int) -> bytes:
    return b"%PDF"


async def _send(rid: int) -> None:
    return None


@job("default", connection=Redis())
def build_pdf(rid: int) -> bytes:
    return asyncio.run(_render(rid))  # expect: LS100 worker-task ok


def email_report(rid: int) -> None:
    # Never called directly: only enqueued.
    asyncio.run(_send(rid))  # expect: LS100 worker-task ok
