"""`set_event_loop(loop)` then `loop.close()` leaves the current loop pointing at a closed loop
unless `set_event_loop(None)` follows."""

import asyncio

from loopsafe import run_sync


async def _job() -> int:
    return 1


def set_then_close_no_reset() -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS203 sync-wrapper review
    try:
        return run_sync(_job())  # expect: LS104 sync-wrapper fix
    finally:
        loop.close()


def set_then_close_and_reset() -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
    try:
        return run_sync(_job())  # expect: LS104 sync-wrapper fix
    finally:
        loop.close()
        asyncio.set_event_loop(None)  # expect: LS100 sync-wrapper ok


def set_without_close() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
    return loop
