"""Re-entrant mode: ``run_sync`` from sync code inside a task runs the awaitable on that
task's own loop, which keeps running its other tasks meanwhile (the successor to
``nest_asyncio.apply()``, without patching asyncio, without threads, without ctypes).

How: ``run()`` / ``enable_reentry()`` install a task factory that gives each new task a
``_Proxy`` coroutine. The proxy runs each step of the real coroutine inside a "level"
greenlet, taken from a per-thread pool of idle ones and given back when the step ends, so
tasks hold no greenlet between steps. When sync code in a level calls ``run_sync``, the
level switches back to the proxy, in the task's step, with the awaitable, and stays parked;
the proxy drives that awaitable's steps as the task's own (its yields go to the Task), then
switches its outcome back into the parked level, where ``run_sync`` returns it. Each level
of nesting (sync -> async -> sync -> async) parks one more greenlet; ``Task.cancel()``
reaches the innermost coroutine, as with ``await``.

``greenlet`` (the ``loopsafe[reentrant]`` extra) is imported only when re-entry is asked for;
without it ``run()`` is ``asyncio.run`` and ``run_sync`` keeps its thread path. The runtime
core (``_core.py``) knows re-entry only by the ``loopsafe_reenter`` method of the current
greenlet, so this module imports nothing from it and ``loopsafe vendor-helper`` appends it to
the vendored file from the marker line below on.
"""

from __future__ import annotations

__all__ = ["call_reentrant", "enable_reentry", "is_reentrant", "run"]

# ---- loopsafe re-entrant mode (vendored below the core) ----
import asyncio as _asyncio_mod
import collections.abc as _abc_mod
import sys as _sys_mod
import threading as _threading_mod
from collections.abc import Callable as _Callable
from collections.abc import Coroutine as _Coroutine
from typing import Any as _Any
from typing import TypeVar as _TypeVar

_R = _TypeVar("_R")

#: What ``run_sync`` looks for on the current greenlet (a method taking a coroutine).
REENTER_METHOD = "loopsafe_reenter"
#: Set on the task factory that ``enable_reentry`` installs.
FACTORY_MARK = "loopsafe_reentrant"

_SEND, _THROW = 0, 1  # what the proxy asks a level greenlet to do with the value
_YIELD, _REENTER, _RETURN, _RAISE = 2, 3, 4, 5  # what a level greenlet answers (not an op)
_POOL_SIZE = 256  # idle level greenlets kept per thread: starting a greenlet costs ~20 us

# Filled on first use by _machinery(): (greenlet.getcurrent, the _Level class).
_loaded: tuple[_Callable[[], _Any], type] | None = None
_missing = False
_idle = _threading_mod.local()  # .pool: this thread's idle level greenlets

# Garbage collection. A started greenlet is not tracked by the cycle collector, so it is
# freed (and killed with GreenletExit) only when nothing refers to it any more; anything
# it refers to while suspended that leads back to it would keep both alive forever. So a
# level greenlet, suspended, refers to nothing of its task: it is given the coroutine to
# drive at each step and answers through its `box` (a 3-slot list emptied by the reader),
# never through switch() arguments (those stay on its stack while it is suspended), and its
# frames never hold the greenlet itself. The task -> proxy -> level path then has no way
# back, and an abandoned task is collected as under plain asyncio.


def _machinery() -> tuple[_Callable[[], _Any], type] | None:
    """Import greenlet and build the greenlet subclass, once; None without greenlet."""
    global _loaded, _missing
    if _loaded is not None or _missing:
        return _loaded
    try:
        import greenlet
    except ImportError:
        _missing = True
        return None
    getcurrent = greenlet.getcurrent
    exit_type = greenlet.GreenletExit

    def serve() -> None:
        """The run function of every level greenlet: one step of a coroutine per switch."""
        box = getcurrent().box
        while True:
            op, value, target = box
            box[1] = box[2] = None
            try:
                if op == _SEND:
                    result = target.send(value)
                else:
                    result = target.throw(value)
                answer = _YIELD
            except StopIteration as stop:
                answer, result = _RETURN, stop.value
            except exit_type:  # killed while sync code in it waited for a re-entrant call
                raise
            except BaseException as exc:  # to the proxy: it re-raises it in the task
                answer, result = _RAISE, exc
            box[0] = answer
            box[1] = result
            value = target = result = None
            try:
                getcurrent().parent.switch()
            except exit_type:  # its task was abandoned, it left the pool, or its thread ended
                return

    def reenter(coro: _Coroutine[_Any, _Any, _R]) -> _R:
        """Run ``coro`` on this task's loop from sync code in a level greenlet."""
        # Its first step runs right here, in this task's step: a coroutine that finishes
        # without waiting costs no switch. One that waits hands the task what it yielded.
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        box = getcurrent().box
        box[0] = _REENTER
        box[1] = coro
        box[2] = yielded
        del coro, yielded
        getcurrent().parent.switch()
        op, value = box[0], box[1]
        box[1] = box[2] = None
        if op == _THROW:
            try:
                raise value
            finally:
                value = None
        return value  # type: ignore[no-any-return]

    class _Level(greenlet.greenlet):  # type: ignore[misc]
        """Drives steps of coroutines: a task's own, or one that sync code re-entered with;
        idle in its thread's pool when its coroutine is done."""

        loopsafe_reenter = staticmethod(reenter)

        def __init__(self) -> None:
            super().__init__(serve)
            self.box: list[_Any] = [None, None, None]  # op/answer, value, coroutine

    _loaded = (greenlet.getcurrent, _Level)
    return _loaded


def _take_level(level_type: type, here: _Any) -> _Any:
    """An idle level greenlet of this thread (or a new one), to run in the current
    greenlet's context (the task's, shared, not copied)."""
    try:
        level = _idle.pool.pop()
    except (AttributeError, IndexError):  # no pool yet in this thread, or it is empty
        level = level_type()
    level.parent = here
    level.gr_context = here.gr_context
    return level


def _release_level(level: _Any) -> None:
    level.gr_context = None
    try:
        pool: list[_Any] = _idle.pool
    except AttributeError:
        pool = _idle.pool = []
    if len(pool) < _POOL_SIZE:
        pool.append(level)


class _Proxy(_abc_mod.Coroutine):  # type: ignore[type-arg]
    """The coroutine a re-entrant task runs: the real one, driven inside greenlets.

    Attribute reads it lacks (``__qualname__``, ``cr_frame``, ``cr_code``...) go to the real
    coroutine, so task reprs, ``Task.get_stack()`` and debuggers still show the user's code.
    """

    __slots__ = ("_coro", "_parked", "_started", "_targets")

    def __init__(self, coro: _Coroutine[_Any, _Any, _Any]) -> None:
        self._coro = coro
        # The coroutines being driven, innermost last: the task's own, then each one that
        # sync code is waiting for; and the level greenlets where that sync code waits.
        self._targets: list[_Any] = []
        self._parked: list[_Any] = []
        self._started = False

    def send(self, value: _Any) -> _Any:
        return self._resume(_SEND, value)

    def throw(self, typ: _Any, val: _Any = None, tb: _Any = None) -> _Any:
        if val is None:
            exc = typ() if isinstance(typ, type) else typ
        else:
            exc = val if isinstance(val, BaseException) else typ(val)
        if tb is not None:
            exc = exc.with_traceback(tb)
        return self._resume(_THROW, exc)

    def close(self) -> None:
        if not self._started:
            self._started = True
            self._coro.close()
            return
        if not self._targets:
            return
        try:
            self._resume(_THROW, GeneratorExit())
        except (GeneratorExit, StopIteration):
            return
        raise RuntimeError("coroutine ignored GeneratorExit")

    def __await__(self) -> _Any:
        return self

    def __iter__(self) -> _Any:
        return self

    def __next__(self) -> _Any:
        return self._resume(_SEND, None)

    def __getattr__(self, name: str) -> _Any:
        if name.startswith("_Proxy__") or name in _Proxy.__slots__:
            raise AttributeError(name)
        return getattr(self._coro, name)

    def __repr__(self) -> str:
        return f"<loopsafe re-entrant {self._coro!r}>"

    def _resume(self, op: int, value: _Any) -> _Any:
        loaded = _loaded
        assert loaded is not None  # a proxy is only made once greenlet is loaded
        getcurrent, level_type = loaded
        here = getcurrent()
        targets = self._targets
        if not targets:
            if self._started:
                raise RuntimeError("cannot reuse already awaited coroutine")
            self._started = True
            targets.append(self._coro)
        level = None
        while True:
            if level is None:  # a new step: any idle level runs it (usually the same one)
                level = _take_level(level_type, here)
            elif level.parent is not here:  # a parked level resumes, e.g. from an eager step
                level.parent = here
            box = level.box
            box[0] = op
            box[1] = value
            box[2] = targets[-1]
            level.switch()
            answer, value = box[0], box[1]
            box[1] = None
            if answer == _YIELD:  # the step is over: the level is free for other tasks
                _release_level(level)
                return value
            if answer == _REENTER:  # sync code in `level` waits for the coroutine `value`,
                yielded = box[2]  # which yielded this in its first step (run in `level`)
                box[2] = None
                self._parked.append(level)
                targets.append(value)
                return yielded
            if answer != _RETURN and answer != _RAISE:  # pragma: no cover - defensive
                # The level died without answering (e.g. user code raised GreenletExit).
                raise RuntimeError("loopsafe: a re-entrant task's greenlet ended unexpectedly")
            targets.pop()  # that coroutine finished: its outcome goes to the one below
            _release_level(level)
            if not targets:
                if answer == _RETURN:
                    raise StopIteration(value)
                try:
                    raise value
                finally:
                    value = None
            level = self._parked.pop()
            op = _SEND if answer == _RETURN else _THROW


class _ReentrantFactory:
    """Task factory that makes every task re-entrant, chaining the factory it replaced."""

    __slots__ = ("previous",)
    loopsafe_reentrant = True

    def __init__(self, previous: _Callable[..., _Any] | None) -> None:
        self.previous = previous

    def __call__(
        self, loop: _asyncio_mod.AbstractEventLoop, coro: _Any, **kwargs: _Any
    ) -> _asyncio_mod.Future[_Any]:
        proxy = _Proxy(coro)
        previous = self.previous
        if previous is None:
            return _asyncio_mod.Task(proxy, loop=loop, **kwargs)
        return previous(loop, proxy, **kwargs)  # type: ignore[no-any-return]


def enable_reentry(loop: _asyncio_mod.AbstractEventLoop | None = None) -> bool:
    """Make tasks created on ``loop`` (default: the running loop) from now on re-entrant.

    Installs a task factory, wrapping any factory already set. Tasks that exist already,
    including the one calling this, stay as they are: asyncio offers no public way to change
    a task's coroutine. Returns False, changing nothing, if greenlet is not installed.
    """
    if loop is None:
        loop = _asyncio_mod.get_running_loop()
    if _machinery() is None:
        return False
    factory = loop.get_task_factory()
    if not getattr(factory, FACTORY_MARK, False):
        loop.set_task_factory(_ReentrantFactory(factory))
    return True


async def call_reentrant(func: _Callable[..., _R], /, *args: _Any, **kwargs: _Any) -> _R:
    """Call sync ``func(*args, **kwargs)`` so that ``run_sync`` inside it re-enters this loop.

    For code already running in a task that is not re-entrant (one created before
    ``enable_reentry()``, e.g. a notebook kernel's or a server's own task): the task awaits
    this instead of calling ``func`` directly. Without greenlet, ``func`` is just called.
    """
    if _machinery() is None:
        return func(*args, **kwargs)
    return await _Proxy(_call(func, args, kwargs))  # type: ignore[no-any-return]


async def _call(func: _Callable[..., _R], args: tuple[_Any, ...], kwargs: dict[str, _Any]) -> _R:
    return func(*args, **kwargs)


def is_reentrant() -> bool:
    """Whether ``run_sync(..., allow_running_loop=True)`` called here re-enters the loop."""
    greenlet = _sys_mod.modules.get("greenlet")
    if greenlet is None:
        return False
    return getattr(greenlet.getcurrent(), REENTER_METHOD, None) is not None


def run(
    main: _Coroutine[_Any, _Any, _R],
    *,
    debug: bool | None = None,
    loop_factory: _Callable[[], _asyncio_mod.AbstractEventLoop] | None = None,
) -> _R:
    """``asyncio.run`` whose tasks (the main one included) can re-enter their loop.

    Same arguments, errors and Ctrl-C handling as ``asyncio.run``. Without greenlet it is
    ``asyncio.run`` (``run_sync`` then says, once per call site, why it used a thread).
    """
    if _asyncio_mod._get_running_loop() is not None:
        if _asyncio_mod.iscoroutine(main):
            main.close()
        raise RuntimeError("loopsafe.run() cannot be called from a running event loop")
    runner_type = getattr(_asyncio_mod, "Runner", None)
    if runner_type is not None:
        with runner_type(debug=debug, loop_factory=loop_factory) as runner:
            enable_reentry(runner.get_loop())
            return runner.run(main)  # type: ignore[no-any-return]
    return _run_310(main, debug, loop_factory)  # pragma: no cover - Python 3.10


def _run_310(  # pragma: no cover - Python 3.10 has no asyncio.Runner
    main: _Coroutine[_Any, _Any, _R],
    debug: bool | None,
    loop_factory: _Callable[[], _asyncio_mod.AbstractEventLoop] | None,
) -> _R:
    """What 3.10's ``asyncio.run`` does, plus ``loop_factory`` and ``enable_reentry``."""
    if not _asyncio_mod.iscoroutine(main):
        raise ValueError(f"a coroutine was expected, got {main!r}")
    loop = _asyncio_mod.new_event_loop() if loop_factory is None else loop_factory()
    try:
        _asyncio_mod.set_event_loop(loop)
        if debug is not None:
            loop.set_debug(debug)
        enable_reentry(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            pending = [t for t in _asyncio_mod.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(_asyncio_mod.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            _asyncio_mod.set_event_loop(None)
            loop.close()
