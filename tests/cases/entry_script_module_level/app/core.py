import asyncio


async def _reindex() -> int:
    return 0


def reindex() -> int:
    return asyncio.run(_reindex())  # expect: LS100 entrypoint ok
