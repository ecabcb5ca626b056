"""`new_event_loop()` is accepted when the loop is closed, returned, yielded or handed to a call."""

import asyncio

from loopsafe import run_sync

async def _job() -> int:
    return 1


def never_closed() -> int:
    return run_sync(_job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def closed_in_finally() -> int:
    return run_sync(_job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def returned() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    loop.set_debug(True)
    return loop


def returned_directly() -> asyncio.AbstractEventLoop:
    return asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok


def yielded():
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    yield loop


def handed_to_call(registry: set[asyncio.AbstractEventLoop]) -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    registry.add(loop)


async def never_closed_in_coroutine() -> None:
    spare = asyncio.new_event_loop()  # expect: LS203 async-context review
    spare.set_debug(True)
