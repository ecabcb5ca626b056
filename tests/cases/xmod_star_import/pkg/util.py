import asyncio


async def _ping() -> bool:
    return True


def ping_blocking() -> bool:
    return asyncio.run(_ping())  # expect: LS103 reachable-from-async fix path=pkg.routes:health>pkg.util:ping_blocking
