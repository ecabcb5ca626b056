"""arq runs its functions as coroutines on the worker's loop, so being a worker does not help.

Decision: arq only accepts coroutine functions, so the worker root never applies to a
sync function here; a sync helper called by an arq job is reachable from async code.
"""

from arq import cron


async def _fetch(url: str) -> str:
    return url


async def parse_feed_blocking(url: str) -> str:
    return await _fetch(url)  # expect: LS103 reachable-from-async fix path=worker_arq:download>worker_arq:parse_feed_blocking


async def download(ctx: dict, url: str) -> str:
    return await parse_feed_blocking(url)


async def cleanup(ctx: dict) -> str:
    return await _fetch("cleanup")  # expect: LS101 async-context fix


class WorkerSettings:
    functions = [download]
    cron_jobs = [cron(cleanup, hour=3)]
