"""No coroutine in the project calls these; only a sync test does."""

from loopsafe import run_sync


async def _get(url: str) -> str:
    return url


def fetch_sync(url: str) -> str:
    return run_sync(_get(url), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def _impl() -> str:
    return run_sync(_get("/default"), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def public_api() -> str:
    return _impl()
