"""`self._loop` created in `__init__` and never closed anywhere in the class."""

import asyncio


class Poller:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._loop = asyncio.new_event_loop()  # expect: LS203 sync-wrapper review

    async def _poll(self) -> list[str]:
        await asyncio.sleep(self.interval)
        return []

    def poll(self) -> list[str]:
        return self._loop.run_until_complete(self._poll())  # expect: LS104 sync-wrapper fix
