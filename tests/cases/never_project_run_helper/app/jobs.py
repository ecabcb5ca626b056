from app.aio import run
from app import aio


async def _count() -> int:
    return 3


def count_blocking() -> int:
    return run(_count())


def count_again() -> int:
    return aio.run(_count())


async def handler() -> int:
    return count_blocking() + count_again()
