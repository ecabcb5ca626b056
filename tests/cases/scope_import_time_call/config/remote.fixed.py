"""Settings fetched at import time through a sync helper: the helper has a module root."""

from loopsafe import run_sync


async def _fetch_settings() -> dict[str, bool]:
    return {"debug": False}


def load_settings() -> dict[str, bool]:
    return run_sync(_fetch_settings(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


SETTINGS = load_settings()
