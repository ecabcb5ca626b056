async def _ping() -> bool:
    return True


async def ping_blocking() -> bool:
    return await _ping()  # expect: LS103 reachable-from-async fix path=pkg.routes:health>pkg.util:ping_blocking
