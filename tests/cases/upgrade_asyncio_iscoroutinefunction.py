# /// script
# requires-python = ">=3.12"
# ///
"""The asyncio check for coroutine functions, in every import form: deprecated in 3.14, gone
in 3.16. This script requires 3.12 (PEP 723), where inspect sees every mark: fixed."""

import asyncio
import asyncio as aio
import asyncio.coroutines
import inspect
import sys
from asyncio import iscoroutinefunction  # expect: LS401 module-level fix
from asyncio import iscoroutinefunction as is_coro  # expect: LS401 module-level fix


async def dispatch(handler):
    if asyncio.iscoroutinefunction(handler):  # expect: LS401 async-context fix
        return await handler()
    return handler()


def kind(handler) -> str:
    if iscoroutinefunction(handler):  # expect: LS401 sync-wrapper fix
        return "async"
    if is_coro(getattr(handler, "__call__", None)):  # expect: LS401 sync-wrapper fix
        return "async callable"
    return "sync"


def kinds(handlers):
    async_ones = [h for h in handlers if aio.iscoroutinefunction(h)]  # expect: LS401 sync-wrapper fix
    nested = asyncio.coroutines.iscoroutinefunction(  # expect: LS401 sync-wrapper fix
        handlers[0]  # the first one
    )
    return async_ones, nested


ASYNC_FILTER = asyncio.iscoroutinefunction  # expect: LS401 module-level fix


def only_async(handlers):
    return list(filter(asyncio.iscoroutinefunction, handlers))  # expect: LS401 sync-wrapper fix


def not_asyncio(handler) -> bool:
    return asyncio.iscoroutine(handler)


# A compatibility shim, as starlette and fastapi write it: each version gets its function.
if sys.version_info >= (3, 13):
    from inspect import iscoroutinefunction as is_async_function
else:
    from asyncio import iscoroutinefunction as is_async_function  # expect: LS100 module-level ok

if not hasattr(inspect, "markcoroutinefunction"):  # before Python 3.12
    LEGACY_CHECK = asyncio.iscoroutinefunction  # expect: LS100 module-level ok


def shimmed(handler) -> bool:
    return is_async_function(handler)  # expect: LS100 sync-wrapper ok
