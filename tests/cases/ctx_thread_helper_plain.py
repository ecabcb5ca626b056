"""A helper that starts a thread on the function handed to it, with no asyncio in its body
(nothing there is a site, so its body is read only when a caller hands it a function that
leads to one): the function runs in that thread, not in the caller's loop."""

import asyncio
import threading


async def _load() -> int:
    return 1


def start_thread(fn):
    worker = threading.Thread(target=fn)
    worker.start()
    return worker


def load_blocking() -> int:
    return asyncio.run(_load())  # expect: LS100 thread ok


async def main() -> None:
    start_thread(load_blocking).join()
