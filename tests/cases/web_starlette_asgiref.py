"""Starlette's run_in_threadpool and asgiref's sync_to_async (call form and decorator) are thread APIs."""

import asyncio

from asgiref.sync import sync_to_async
from starlette.concurrency import run_in_threadpool


async def _lookup(key: str) -> str:
    return key


def lookup_blocking(key: str) -> str:
    return asyncio.run(_lookup(key))  # expect: LS100 thread ok


def legacy_lookup(key: str) -> str:
    return asyncio.run(_lookup(key))  # expect: LS100 thread ok


@sync_to_async
def decorated_lookup(key: str) -> str:
    return asyncio.run(_lookup(key))  # expect: LS100 thread ok


async def view(key: str) -> tuple[str, str, str]:
    a = await run_in_threadpool(lookup_blocking, key)
    b = await sync_to_async(legacy_lookup)(key)
    c = await decorated_lookup(key)
    return a, b, c
