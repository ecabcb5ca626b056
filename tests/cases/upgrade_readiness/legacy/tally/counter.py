"""Supports 3.9 to 3.13: what breaks on 3.14 and later is beyond what it declares."""

import asyncio


def schedule(callback) -> None:
    asyncio.get_event_loop().call_soon(callback)  # expect: LS202 sync-wrapper review


def is_async(func: object) -> bool:
    return asyncio.iscoroutinefunction(func)  # expect: LS401 sync-wrapper fix
