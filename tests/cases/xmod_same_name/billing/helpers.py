import asyncio


async def _rates() -> float:
    return 1.0


def fetch() -> float:
    return asyncio.run(_rates())  # expect: LS103 reachable-from-async fix path=billing.api:quote>billing.helpers:fetch
