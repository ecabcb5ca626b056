"""Run by hand: `python scripts/backfill.py`; no module imports it and it has no main guard."""

import asyncio

from app.core import reindex


async def _extra() -> None:
    return None


print(reindex())
asyncio.run(_extra())  # expect: LS100 entrypoint ok
