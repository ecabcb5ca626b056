"""Probes for pytest-asyncio 0.23.8: its item classifiers and its event_loop fixture."""

from __future__ import annotations

import asyncio
import inspect
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace


def asgiref_marked(func: Callable[..., object]) -> Callable[..., object]:
    """Mark `func` as asgiref 3.8's markcoroutinefunction does (see README.md)."""
    if hasattr(inspect, "markcoroutinefunction"):
        return inspect.markcoroutinefunction(func)
    func._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
    return func


async def _coro() -> None:
    pass


async def _takes_x(x: int) -> None:
    pass


async def _agen() -> object:
    yield 1


def _plugin() -> object:
    from pytest_asyncio import plugin

    return plugin


def _classify(func: Callable[..., object]) -> object:
    return _plugin()._is_coroutine_or_asyncgen(func)  # type: ignore[attr-defined]


def _substitute(cls: str, func: object) -> object:
    return getattr(_plugin(), cls)._can_substitute(SimpleNamespace(obj=func))


def _hypothesis_test(inner: Callable[..., object]) -> object:
    from hypothesis import given, strategies

    return given(strategies.integers())(inner)


TEST_FILE = """
import asyncio

def test_sync_test_drives_event_loop(event_loop):
    assert event_loop.run_until_complete(asyncio.sleep(0, "ok")) == "ok"
"""


def _pytest_with_event_loop() -> object:
    """A user's test module that requests the event_loop fixture, run by pytest."""
    import pytest

    with tempfile.TemporaryDirectory() as tmp:
        test = Path(tmp) / "test_uses_event_loop.py"
        test.write_text(TEST_FILE)
        return int(pytest.main(["-q", "-p", "no:cacheprovider", "-W", "ignore", str(test)]))


P = "pytest_asyncio.plugin"
PROBES: dict[str, Callable[[], object] | str] = {
    f"{P}:_is_coroutine_or_asyncgen [async def]": lambda: _classify(_coro),
    f"{P}:_is_coroutine_or_asyncgen [async generator]": lambda: _classify(_agen),
    f"{P}:_is_coroutine_or_asyncgen [marked by asgiref]": (
        lambda: _classify(asgiref_marked(lambda: None))
    ),
    f"{P}:Coroutine._can_substitute [async def]": lambda: _substitute("Coroutine", _coro),
    f"{P}:Coroutine._can_substitute [marked by asgiref]": (
        lambda: _substitute("Coroutine", asgiref_marked(lambda: None))
    ),
    f"{P}:AsyncHypothesisTest._can_substitute [@given async def]": (
        lambda: _substitute("AsyncHypothesisTest", _hypothesis_test(_takes_x))
    ),
    f"{P}:event_loop [a sync test requesting event_loop]": _pytest_with_event_loop,
    f"{P}:_get_event_loop_no_warn [no loop set]": lambda: _loop_no_warn(set_first=False),
    f"{P}:_get_event_loop_no_warn [a loop set]": lambda: _loop_no_warn(set_first=True),
}


def _loop_no_warn(*, set_first: bool) -> object:
    """The plugin's helper for the current loop (used around its event_loop fixture):
    with no loop set it gave a new loop (3.11-3.13); with one set, that loop."""
    from pytest_asyncio.plugin import _get_event_loop_no_warn

    mine = asyncio.new_event_loop() if set_first else None
    if mine is not None:
        asyncio.set_event_loop(mine)
    loop = _get_event_loop_no_warn()
    same = loop is _get_event_loop_no_warn()
    result = (type(loop).__name__, same, loop is mine if mine else None)
    asyncio.set_event_loop(None)
    loop.close()
    return result
