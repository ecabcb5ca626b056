"""`self._loop` created in `__init__` and never closed anywhere in the class."""

import asyncio

from loopsafe import run_sync


class Poller:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._loop = asyncio.new_event_loop()  # expect: LS203 sync-wrapper review

    async def _poll(self) -> list[str]:
        await asyncio.sleep(self.interval)
        return []

    def poll(self) -> list[str]:
        return run_sync(self._poll())  # expect: LS104 sync-wrapper fix
