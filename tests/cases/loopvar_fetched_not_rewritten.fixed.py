"""`run_until_complete()` on a loop the code did not just create keeps running on that
loop: work already scheduled there (asgiref's server schedules its application checker on
the current loop first) would never run on the loop run_sync() uses. No fix, the reason
says why."""

import asyncio

from loopsafe import current_loop


async def _handle() -> None:
    return None


async def _check() -> None:
    return None


def serve() -> None:
    event_loop = current_loop()  # expect: LS402 sync-wrapper fix
    asyncio.ensure_future(_check())
    event_loop.run_until_complete(_handle())  # expect: LS104 sync-wrapper fix


class Worker:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self) -> None:
        self.loop.run_until_complete(_handle())  # expect: LS104 sync-wrapper fix

