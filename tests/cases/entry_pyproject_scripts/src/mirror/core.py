import asyncio


async def _sync() -> None:
    return None


def sync_all() -> None:
    asyncio.run(_sync())  # expect: LS100 entrypoint ok
