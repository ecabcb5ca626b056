async def _prime() -> None:
    return None


async def warm() -> None:
    await _prime()  # expect: LS103 reachable-from-async fix path=app.jobs:nightly>lib.cache:warm
