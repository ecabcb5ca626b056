"""`loop = asyncio.new_event_loop()` then `loop.run_until_complete(...)`: closed vs leaked."""

from loopsafe import run_sync


async def fetch_rates() -> dict[str, float]:
    return {"EUR": 1.0}


def fetch_rates_sync() -> dict[str, float]:
    return run_sync(fetch_rates(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def leaky_fetch_rates() -> dict[str, float]:
    return run_sync(fetch_rates(), fresh_loop=True)  # expect: LS104 sync-wrapper fix
