"""Probes for syncer 2.0.3: sync(function), which is sync_fu for plain functions (its
wrapper `run` runs the coroutine function on the current loop), and sync(coroutine), which
is sync_co (read from syncer.py)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable


def asgiref_marked(func: Callable[..., object]) -> Callable[..., object]:
    """Mark `func` as asgiref 3.8's markcoroutinefunction does (see README.md)."""
    if hasattr(inspect, "markcoroutinefunction"):
        return inspect.markcoroutinefunction(func)
    func._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
    return func


async def _double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


def _sync_call(func: Callable[..., object]) -> object:
    from syncer import sync

    return sync(func)(21)


def _sleep_returning(x: int) -> object:
    return asyncio.sleep(0, x)


def _sync_coroutine() -> object:
    from syncer import sync

    return sync(_double(21))


KEY = "syncer:sync_fu"
PROBES: dict[str, Callable[[], object] | str] = {
    "syncer:sync_co [sync(coroutine)]": _sync_coroutine,
    "syncer:sync_fu.<locals>.run [sync(async def)(21)]": lambda: _sync_call(_double),
    f"{KEY} [sync(async def)(21)]": lambda: _sync_call(_double),
    f"{KEY} [sync(def)]": lambda: _sync_call(lambda x: x),
    f"{KEY} [sync(function marked by asgiref)(21)]": (
        lambda: _sync_call(asgiref_marked(_sleep_returning))
    ),
}
