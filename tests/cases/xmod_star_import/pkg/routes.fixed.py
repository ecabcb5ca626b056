from pkg.util import *


async def health() -> bool:
    return await ping_blocking()
