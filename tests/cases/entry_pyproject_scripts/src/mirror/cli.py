import asyncio

from mirror.core import sync_all


async def _mirror() -> None:
    return None


def run() -> None:
    asyncio.run(_mirror())  # expect: LS100 entrypoint ok
    sync_all()
