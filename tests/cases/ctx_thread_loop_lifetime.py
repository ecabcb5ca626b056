"""A loop set and closed in a thread of its own dies with the thread; in a pool thread
the next task of that thread meets the closed loop."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor


async def _poll() -> None:
    return None


def own_thread() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 thread ok
    asyncio.set_event_loop(loop)  # expect: LS100 thread ok
    loop.run_until_complete(_poll())  # expect: LS100 thread ok
    loop.close()


def pool_task() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 thread ok
    asyncio.set_event_loop(loop)  # expect: LS203 thread review
    loop.run_until_complete(_poll())  # expect: LS100 thread ok
    loop.close()


def start() -> None:
    threading.Thread(target=own_thread).start()
    ThreadPoolExecutor().submit(pool_task)
