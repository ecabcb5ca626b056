"""A call under `if iscoroutinefunction(f):` only happens when `f` is a coroutine
function; the sync case goes to a thread in the other branch."""

import asyncio
import inspect


async def _load() -> int:
    return 1


def load_blocking() -> int:
    return asyncio.run(_load())  # expect: LS100 thread ok


async def call_job() -> int:
    if inspect.iscoroutinefunction(load_blocking):
        return await load_blocking()
    return await asyncio.to_thread(load_blocking)
