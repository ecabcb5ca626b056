"""A packaged library: its public functions are API, whoever calls them here."""

import asyncio

from weather._loopsafe_runtime import run_sync


async def _fetch() -> dict[str, float]:
    return {}


def fetch_forecast() -> dict[str, float]:
    # Only the example and a test call it here, but every user of the library can,
    # some from a running loop: a sync wrapper, not an entry point.
    return run_sync(_fetch(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def make_fetcher():
    def fetcher() -> dict[str, float]:
        # Returned by a public factory: as public as the factory.
        return run_sync(_fetch(), fresh_loop=True)  # expect: LS104 sync-wrapper fix

    return fetcher


def _refresh_cache() -> None:
    # Private, and only `python -m weather` runs it.
    asyncio.run(_fetch())  # expect: LS100 entrypoint ok
