"""`asyncio.iscoroutinefunction` in code that may run on Python 3.11 or older (nothing
says otherwise): asgiref-marked views are seen only by asyncio's function, so the swap to
`inspect.iscoroutinefunction` is for a person to make."""

import asyncio


def is_async_view(view) -> bool:
    return asyncio.iscoroutinefunction(view)  # expect: LS401 sync-wrapper fix
