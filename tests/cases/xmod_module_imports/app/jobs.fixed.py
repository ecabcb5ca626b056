import lib.index as idx
import lib.store
from lib import cache


async def nightly() -> None:
    await cache.warm()


async def persist() -> int:
    return await lib.store.save([1, 2, 3])


async def reindex() -> int:
    return await idx.rebuild()
