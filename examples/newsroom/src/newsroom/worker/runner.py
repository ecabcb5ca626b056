"""Running coroutines inside Celery's (synchronous) task bodies."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_task_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on a fresh loop that is also installed as the thread's current loop,
    for the library code that still looks it up with get_event_loop()."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
