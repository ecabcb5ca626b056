"""A compatibility shim binds `_get_loop` to get_running_loop on new Pythons and to
get_event_loop on old ones: still worth a look in a coroutine, but no rewrite picks one."""

import asyncio
import sys

if sys.version_info >= (3, 7):
    _get_loop = asyncio.get_running_loop
else:
    _get_loop = asyncio.get_event_loop


async def current() -> asyncio.AbstractEventLoop:
    return _get_loop()  # expect: LS201 async-context fix
