from pkg.util import *


async def health() -> bool:
    return ping_blocking()
