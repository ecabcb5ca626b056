"""Settings fetched at import time through a sync helper: the helper has a module root."""

import asyncio


async def _fetch_settings() -> dict[str, bool]:
    return {"debug": False}


def load_settings() -> dict[str, bool]:
    return asyncio.run(_fetch_settings())  # expect: LS104 sync-wrapper fix


SETTINGS = load_settings()
