"""The scan goes on past a file that does not parse."""

import asyncio


async def _refresh() -> None:
    return None


def refresh() -> None:
    asyncio.run(_refresh())  # expect: LS104 sync-wrapper fix
