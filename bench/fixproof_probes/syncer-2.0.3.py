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


async def _on_which_loop(mine: object) -> str:
    await asyncio.sleep(0)
    return "ran on the loop set" if asyncio.get_running_loop() is mine else "ran on another loop"


def _on_the_loop_set(call: Callable[[Callable[..., object], object], object]) -> object:
    """The caller sets a loop of its own first: sync() must run the coroutine on it (the
    loop `get_event_loop()` gives), and leave it open and set."""
    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
    try:
        result = call(_on_which_loop, mine)
        return (result, mine.is_closed())
    finally:
        asyncio.set_event_loop(None)
        mine.close()


def _sync_co_call(func: Callable[..., object], arg: object) -> object:
    from syncer import sync

    return sync(func(arg))


def _sync_fu_call(func: Callable[..., object], arg: object) -> object:
    from syncer import sync

    return sync(func)(arg)


KEY = "syncer:sync_fu"
PROBES: dict[str, Callable[[], object] | str] = {
    "syncer:sync_co [sync(coroutine)]": _sync_coroutine,
    "syncer:sync_co [on the loop the caller set]": lambda: _on_the_loop_set(_sync_co_call),
    "syncer:sync_fu.<locals>.run [sync(async def)(21)]": lambda: _sync_call(_double),
    "syncer:sync_fu.<locals>.run [on the loop the caller set]": (
        lambda: _on_the_loop_set(_sync_fu_call)
    ),
    f"{KEY} [sync(async def)(21)]": lambda: _sync_call(_double),
    f"{KEY} [sync(def)]": lambda: _sync_call(lambda x: x),
    f"{KEY} [sync(function marked by asgiref)(21)]": (
        lambda: _sync_call(asgiref_marked(_sleep_returning))
    ),
}
