"""A function passed to a helper, or decorated by one, that runs it in a thread: it runs
there, not in the caller's loop."""

import asyncio
import functools


async def _load() -> int:
    return 1


async def in_thread(fn, *args):
    return await asyncio.to_thread(fn, *args)


def threaded(fn):
    @functools.wraps(fn)
    async def wrapper(*args):
        return await asyncio.to_thread(fn, *args)

    return wrapper


def load_blocking() -> int:
    return asyncio.run(_load())  # expect: LS100 thread ok


@threaded
def load_decorated() -> int:
    return asyncio.run(_load())  # expect: LS100 thread ok


def load_called() -> int:
    return asyncio.run(_load())  # expect: LS103 reachable-from-async fix


def call_it(fn):
    return fn()


async def main() -> None:
    await in_thread(load_blocking)
    await load_decorated()
    call_it(load_called)
