import asyncio


async def _pull() -> None:
    return None


def pull_all() -> None:
    # Only the `pull` command reaches this: an entry point.
    asyncio.run(_pull())  # expect: LS100 entrypoint ok


async def refresh_one() -> None:
    # The `refresh` command reaches this, and so does a coroutine: the loop path wins.
    await _pull()  # expect: LS103 reachable-from-async fix path=feeds.api:refresh>feeds.sync:refresh_one
