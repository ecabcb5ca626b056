"""An application (it has a FastAPI app): a function nothing here calls is called by
something no one can see — a scheduler, a dispatcher — not by library users."""

import asyncio


async def _sync_db() -> None:
    return None


def nightly() -> None:
    asyncio.run(_sync_db())  # expect: LS107 sync-wrapper review


def rebuild() -> None:
    # Handed out through a dict: whoever reads JOBS calls it.
    asyncio.run(_sync_db())  # expect: LS107 sync-wrapper review


JOBS = {"rebuild": rebuild}

_on_purge = None


def install() -> None:
    global _on_purge
    _on_purge = purge


def purge() -> None:
    # The __main__ block calls it, but so does whoever calls `_on_purge`: never "only
    # reachable from __main__".
    asyncio.run(_sync_db())  # expect: LS107 sync-wrapper review


if __name__ == "__main__":
    purge()
