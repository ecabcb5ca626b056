"""`Thread.run()` runs in the new thread: no loop is running there."""

import asyncio
import threading


async def _poll() -> None:
    return None


class Poller(threading.Thread):
    def run(self) -> None:
        asyncio.run(_poll())  # expect: LS100 thread ok


class OwnLoopPoller(Poller):
    def run(self) -> None:
        loop = asyncio.new_event_loop()  # expect: LS100 thread ok
        try:
            loop.run_until_complete(_poll())  # expect: LS100 thread ok
        finally:
            loop.close()


def start() -> None:
    Poller().start()
    OwnLoopPoller().start()
