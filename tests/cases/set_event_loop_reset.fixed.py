"""`set_event_loop(loop)` then `loop.close()` leaves the current loop pointing at a closed loop
unless `set_event_loop(None)` follows."""

import asyncio

from loopsafe import run_sync


async def _job() -> int:
    return 1


def set_then_close_no_reset() -> int:
    return run_sync(_job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def set_then_close_and_reset() -> int:
    return run_sync(_job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def set_without_close() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
    return loop
