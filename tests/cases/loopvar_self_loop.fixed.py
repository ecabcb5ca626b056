"""`self.loop` created in `__init__`, used and closed in other methods of the class."""

import asyncio
from loopsafe import run_sync


class SyncClient:
    """Blocking facade over an async HTTP client."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok

    async def _get(self, path: str) -> bytes:
        return b""

    def get(self, path: str) -> bytes:
        return run_sync(self._get(path))  # expect: LS104 sync-wrapper fix

    def serve(self) -> None:
        self.loop.run_forever()  # expect: LS104 sync-wrapper fix

    def close(self) -> None:
        self.loop.close()
