"""Functions registered to run later (atexit, pytest finalizers, unittest cleanups) are
not called where they are registered: they run at exit or teardown, with no loop running."""

import asyncio
import atexit


async def _close() -> None:
    return None


def _shutdown() -> None:
    asyncio.run(_close())  # expect: LS100 entrypoint ok


atexit.register(_shutdown)


async def start() -> None:
    def cleanup() -> None:
        asyncio.run(_close())  # expect: LS100 entrypoint ok

    atexit.register(cleanup)
