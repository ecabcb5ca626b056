"""`run_until_complete()` on a loop the code did not just create keeps running on that
loop: work already scheduled there (asgiref's server schedules its application checker on
the current loop first) would never run on the loop run_sync() uses. No fix, the reason
says why."""

import asyncio
import warnings


async def _handle() -> None:
    return None


async def _check() -> None:
    return None


def serve() -> None:
    with warnings.catch_warnings():  # no loop set: 3.12-3.13 warn, 3.14+ raise
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            event_loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
        except RuntimeError:
            event_loop = asyncio.new_event_loop()
            asyncio.set_event_loop(event_loop)
    asyncio.ensure_future(_check())
    event_loop.run_until_complete(_handle())  # expect: LS104 sync-wrapper fix


class Worker:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self) -> None:
        self.loop.run_until_complete(_handle())  # expect: LS104 sync-wrapper fix

