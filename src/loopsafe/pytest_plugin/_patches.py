"""Wrappers around the few asyncio functions that raise loop conflicts or hand out loops.

Wrapping these points costs nothing measurable, unlike a profile or monitoring hook on every
call, and it sees conflicts that the code under test catches and swallows. Each wrapper calls
the original, re-raises exactly what it raised and returns exactly what it returned, so no
outcome changes; it only tells the sink what happened and who called.

This module pretends to be part of asyncio (see the end of the file): asyncio computes the
``stacklevel`` of its warnings by skipping frames whose module is ``asyncio.*``, so our frames
must be skipped too for the warnings to keep pointing at the caller.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import asyncio.events
import asyncio.mixins
import asyncio.runners
import functools
import logging
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol


class Sink(Protocol):
    def raised(self, exc: BaseException, caller: FrameType | None) -> None:
        """A wrapped function raised `exc` at its caller `caller`."""

    def fetched(self, loop: object, caller: FrameType | None) -> None:
        """`caller` obtained the existing `loop`."""

    def created(self, loop: object, caller: FrameType | None) -> None:
        """`caller` created `loop` (also through ``asyncio.run``)."""

    def logged(self, record: logging.LogRecord) -> None:
        """A log record was handled (it may carry a swallowed conflict)."""


class Patches:
    """Installs the wrappers and puts every original back on `uninstall`."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._undo: list[tuple[object, str, object, object]] = []

    def install(self) -> None:
        if self._undo:
            return
        runners = asyncio.runners
        if vars(asyncio).get("run") is vars(runners).get("run"):
            self._replace_all([(asyncio, "run"), (runners, "run")], self._raising)
        else:
            self._replace_all([(runners, "run")], self._raising)
        runner_cls = getattr(runners, "Runner", None)
        if runner_cls is not None:
            self._replace_all([(runner_cls, "run")], self._raising)
        loop_cls = asyncio.base_events.BaseEventLoop
        self._replace_all([(loop_cls, "_check_running")], self._raising)
        self._replace_all([(loop_cls, "_check_closed")], self._raising)
        mixin = getattr(asyncio.mixins, "_LoopBoundMixin", None)
        if mixin is not None and "_get_loop" in vars(mixin):
            self._replace_all([(mixin, "_get_loop")], self._raising)
        policy_cls = getattr(asyncio.events, "BaseDefaultEventLoopPolicy", None) or getattr(
            asyncio.events, "_BaseDefaultEventLoopPolicy", None
        )
        if policy_cls is not None and "get_event_loop" in vars(policy_cls):
            self._replace_all([(policy_cls, "get_event_loop")], self._fetching)
        for name, make in (("get_event_loop", self._fetching), ("new_event_loop", self._creating)):
            owners: list[tuple[object, str]] = [(asyncio.events, name)]
            if vars(asyncio).get(name) is vars(asyncio.events).get(name):
                owners.append((asyncio, name))
            self._replace_all(owners, make)
        # Only the package attribute: asyncio's own modules call `events.get_running_loop()`
        # on hot paths and must not pay for it; project code writes `asyncio.get_running_loop()`.
        self._replace_all([(asyncio, "get_running_loop")], self._fetching)
        self._replace_all([(logging.Logger, "handle")], self._logging)

    def uninstall(self) -> None:
        while self._undo:
            owner, name, original, wrapper = self._undo.pop()
            # Leave alone what someone else patched over ours in the meantime.
            if vars(owner).get(name) is wrapper:
                setattr(owner, name, original)

    def _replace_all(
        self,
        owners: list[tuple[object, str]],
        make: Callable[[Callable[..., Any]], Callable[..., Any]],
    ) -> None:
        first_owner, first_name = owners[0]
        original = vars(first_owner).get(first_name)
        if not callable(original):
            return
        wrapper = make(original)
        for owner, name in owners:
            self._undo.append((owner, name, vars(owner)[name], wrapper))
            setattr(owner, name, wrapper)

    # ------------------------------------------------------------------ wrapper factories

    # Functions and methods alike: a method's `self` arrives in `args`.
    def _raising(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sink = self._sink

        @functools.wraps(func)
        def traced(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            try:
                return func(*args, **kwargs)
            except RuntimeError as exc:
                sink.raised(exc, sys._getframe(1))
                raise

        return traced

    def _fetching(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sink = self._sink

        @functools.wraps(func)
        def traced(*args: Any) -> Any:
            __tracebackhide__ = True
            try:
                loop = func(*args)
            except RuntimeError as exc:
                sink.raised(exc, sys._getframe(1))
                raise
            sink.fetched(loop, sys._getframe(1))
            return loop

        return traced

    def _creating(self, func: Callable[[], Any]) -> Callable[[], Any]:
        sink = self._sink

        @functools.wraps(func)
        def traced() -> Any:
            __tracebackhide__ = True
            loop = func()
            sink.created(loop, sys._getframe(1))
            return loop

        return traced

    def _logging(self, func: Callable[[Any, logging.LogRecord], Any]) -> Callable[..., Any]:
        # `Logger.handle` rather than a handler on the root logger: it also sees loggers that
        # do not propagate, and adding a handler would silence logging's last-resort stderr
        # output in runs without pytest's logging plugin.
        sink = self._sink

        @functools.wraps(func)
        def traced(self: logging.Logger, record: logging.LogRecord) -> Any:
            if not self.disabled:
                sink.logged(record)
            return func(self, record)

        return traced


# See the module docstring: the wrappers' frames must look like asyncio's own.
__name__ = "asyncio.loopsafe_trace"
