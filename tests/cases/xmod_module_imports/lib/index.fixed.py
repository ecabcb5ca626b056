async def _scan() -> int:
    return 0


async def rebuild() -> int:
    return await _scan()  # expect: LS103 reachable-from-async fix path=app.jobs:reindex>lib.index:rebuild
