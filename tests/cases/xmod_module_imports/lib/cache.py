import asyncio


async def _prime() -> None:
    return None


def warm() -> None:
    asyncio.run(_prime())  # expect: LS103 reachable-from-async fix path=app.jobs:nightly>lib.cache:warm
