async def _download(url: str) -> bytes:
    return b""


async def fetch_feed(url: str) -> bytes:
    # A Celery task and a coroutine both call this: the loop path wins over the worker.
    return await _download(url)  # expect: LS103 reachable-from-async fix path=proj.views:preview>proj.feeds:fetch_feed
