"""The service next to it is an application (no packaging, a FastAPI app)."""

import asyncio


async def _sync() -> None:
    return None


def resync() -> None:
    asyncio.run(_sync())  # expect: LS107 sync-wrapper review
