"""asyncio.run passed as a value to a thread API: a site at the reference, run in a thread."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread

_pool = ThreadPoolExecutor(max_workers=2)


async def crawl(url: str) -> str:
    return url


async def crawl_in_threads(urls: list[str]) -> list[str]:
    loop = asyncio.get_running_loop()
    first = await loop.run_in_executor(None, asyncio.run, crawl(urls[0]))  # expect: LS100 thread ok
    second = await asyncio.to_thread(asyncio.run, crawl(urls[1]))  # expect: LS100 thread ok
    third = await anyio.to_thread.run_sync(asyncio.run, crawl(urls[2]))  # expect: LS100 thread ok
    future = _pool.submit(asyncio.run, crawl(urls[3]))  # expect: LS100 thread ok
    fourth = await asyncio.wrap_future(future)
    return [first, second, third, fourth]


def crawl_in_background(url: str) -> threading.Thread:
    worker = threading.Thread(target=asyncio.run, args=(crawl(url),))  # expect: LS100 thread ok
    worker.start()
    return worker


def crawl_many(urls: list[str]) -> list[str]:
    return list(_pool.map(asyncio.run, [crawl(u) for u in urls]))  # expect: LS100 thread ok
