from loopsafe import run_sync


async def _rates() -> float:
    return 2.0


def fetch() -> float:
    # Same name as billing.helpers.fetch, but no coroutine calls this one.
    return run_sync(_rates(), fresh_loop=True)  # expect: LS104 sync-wrapper fix
