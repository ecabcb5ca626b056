import asyncio


async def _scan() -> int:
    return 0


def rebuild() -> int:
    return asyncio.run(_scan())  # expect: LS103 reachable-from-async fix path=app.jobs:reindex>lib.index:rebuild
