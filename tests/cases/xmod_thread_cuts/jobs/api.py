import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread

from jobs import work


async def run_all() -> None:
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(work.crawl_to_thread)
    await loop.run_in_executor(None, work.crawl_executor)
    threading.Thread(target=work.crawl_thread).start()
    with ThreadPoolExecutor() as pool:
        pool.submit(work.crawl_submit)
        list(pool.map(work.crawl_map, [1, 2]))
    await anyio.to_thread.run_sync(work.crawl_anyio)
    await asyncio.to_thread(work.crawl_chain)
