import asyncio

from mirror.core import _sync_all


async def _mirror() -> None:
    return None


def run() -> None:
    asyncio.run(_mirror())  # expect: LS100 entrypoint ok
    _sync_all()
