"""An awaited call is a call of a coroutine function: a sync method of the same name on
another class is not what runs."""

import asyncio

from app.client import Client


async def _work() -> None:
    return None


async def main() -> int:
    async with Client() as session:
        return await session.fetch()


async def handler() -> None:
    def never_used() -> None:
        # Defined, never called: nothing runs it, least of all `handler`'s loop.
        asyncio.run(_work())  # expect: LS107 sync-wrapper review
