import asyncio


async def _sync() -> None:
    return None


def _sync_all() -> None:
    # Private, and only the console script reaches it: an entry point. (A public
    # function of a packaged project is API, see surface_public_api.)
    asyncio.run(_sync())  # expect: LS100 entrypoint ok
