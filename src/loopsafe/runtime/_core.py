"""Call async code from sync code safely: the loopsafe runtime helper.

``run_sync(awaitable)`` runs an awaitable to completion from synchronous code.

* No event loop running in this thread: the awaitable runs on a per-thread loop that lives
  across calls, so objects bound to a loop (queues, clients, streams) keep working from one
  call to the next. Tasks a call leaves behind are cancelled and awaited before it returns.
* A loop running in this thread: blocking it would freeze it, so ``run_sync`` refuses and
  says to ``await`` instead. ``allow_running_loop=True`` runs the awaitable on one long-lived
  background loop thread instead, and detects the deadlock where the awaitable needs the loop
  that the call is blocking.

``require_running_loop`` guards sync functions that only work inside a running loop.

This module imports only the standard library, so it can be copied into a project as one
file (``loopsafe vendor-helper DEST.py``). It uses public asyncio and stdlib API only, and
never patches an object it does not own, so it keeps working on new Python releases. The
one exception is deadlock detection: asyncio offers no public way to see what is queued on a
blocked loop or (before 3.14) what a task waits for. Those reads are in "deadlock evidence"
below: read-only, each private name spelled once, and a missing or changed attribute only
means less evidence (a deadlock is then bounded by ``timeout`` alone), never an error.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import contextlib
import contextvars
import functools
import inspect
import itertools
import os
import selectors
import signal
import sys
import threading
import time
import types
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, ParamSpec, TypeVar

__all__ = [
    "LoopDeadlockError",
    "RunningLoopWarning",
    "current_loop",
    "require_running_loop",
    "run_sync",
]

#: Set to the loopsafe release a vendored copy was generated from; ``None`` in loopsafe itself.
VENDORED_FROM: str | None = None

_T = TypeVar("_T")
_P = ParamSpec("_P")


class RunningLoopWarning(RuntimeWarning):
    """``run_sync(..., allow_running_loop=True)`` blocked a running loop (once per call site)."""


class LoopDeadlockError(RuntimeError):
    """The awaitable needs the event loop that ``run_sync`` is blocking, so it can never finish."""


if sys.version_info >= (3, 11):
    _TimeoutError = TimeoutError
else:  # pragma: no cover - Python 3.10: let `except asyncio.TimeoutError` catch it too

    class _TimeoutError(TimeoutError, asyncio.TimeoutError):
        """Timeout of ``run_sync``."""


# --------------------------------------------------------------------------- shared state

_get_running_loop = asyncio.get_running_loop
_current_task = asyncio.current_task
_Task = asyncio.Task
_get_ident = threading.get_ident
_SIGINT: Final = signal.SIGINT
_default_int_handler = signal.default_int_handler
_THIS_FILE: Final = (lambda: None).__code__.co_filename
_EAGER: Final[dict[str, Any]] = {"eager_start": True} if sys.version_info >= (3, 12) else {}

_POLL: Final = 0.05  # seconds between checks while a background call blocks the caller's loop
_STALL: Final = 0.1  # background loop silent this long counts as blocked
_CANCEL_GRACE: Final = 1.0  # how long a timed-out call waits for the coroutine to unwind
_REAP_ROUNDS: Final = 3
# After this long with work queued on the blocked loop and no proof either way, warn.
_SUSPECT_WARN_AFTER = 5.0

_local = threading.local()
_lock = threading.Lock()
_fork_gen = 0  # bumped in a forked child: every loop inherited from the parent is stale
_closing = False  # set at interpreter exit, after our loops are closed
_main_ident = threading.main_thread().ident
_warned_sites: set[tuple[str, int]] = set()
_backgrounds: dict[int, _Background] = {}  # nesting depth -> background loop
_bg_depth: dict[int, int] = {}  # thread ident of a background loop thread -> its depth
# Loops a forked child copied from its parent and must neither close nor let be collected.
_inherited: list[asyncio.AbstractEventLoop] = []
_call_tasks: contextvars.ContextVar[set[asyncio.Task[Any]]] = contextvars.ContextVar(
    "loopsafe_run_sync_call_tasks"
)


# --------------------------------------------------------------------------- public API


def run_sync(
    awaitable: Awaitable[_T],
    *,
    allow_running_loop: bool = False,
    timeout: float | None = None,
    fresh_loop: bool = False,
) -> _T:
    """Run ``awaitable`` to completion from sync code and return its result.

    With no loop running in this thread it runs on a per-thread loop kept across calls (pass
    ``fresh_loop=True`` for exact ``asyncio.run`` semantics instead). With a loop running it
    raises ``RuntimeError`` (``await`` is the fix) unless ``allow_running_loop=True``, which
    runs it on a shared background loop thread. ``timeout`` (seconds) cancels the awaitable
    and raises ``TimeoutError``. Ctrl-C cancels it, lets it clean up, then re-raises.
    """
    try:
        running: asyncio.AbstractEventLoop | None = _get_running_loop()
    except RuntimeError:  # no loop here: the usual case, and the only public way to ask
        running = None
    if running is not None:
        return _run_from_running_loop(awaitable, running, allow_running_loop, timeout)
    coro = _as_coroutine(awaitable)
    if fresh_loop or _closing:
        return _run_fresh(coro, timeout)
    runner: _ThreadLoop | None = getattr(_local, "runner", None)
    if runner is None or runner.gen != _fork_gen or runner.loop.is_closed():
        try:
            runner = _local.runner = _ThreadLoop()
        except BaseException:
            coro.close()
            raise
    return runner.run(coro, timeout)


def current_loop() -> asyncio.AbstractEventLoop:
    """The loop ``asyncio.get_event_loop()`` gave before Python 3.14, on every version.

    The running loop; else the loop set for this thread; else a new loop, set as this
    thread's current loop. Where ``get_event_loop()`` warns (3.12, 3.13: no loop set) or
    raises (3.14+; any thread but the main one before), this makes and sets the loop that
    3.13's main thread got, without the warning.
    """
    running = _running_loop()
    if running is not None:
        return running
    try:
        if not (3, 12) <= sys.version_info < (3, 14):
            # 3.14+ raise when none is set; before 3.12 the main thread makes one (and
            # 3.10.0-3.10.8 warn even when one is set, so the warning must not count).
            return asyncio.get_event_loop()
        with warnings.catch_warnings():  # 3.12-3.13 warn when none is set: none is made
            warnings.simplefilter("error", DeprecationWarning)
            return asyncio.get_event_loop()
    except (RuntimeError, DeprecationWarning):
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


def require_running_loop(func: Callable[_P, _T]) -> Callable[_P, _T]:
    """Decorate a sync function that only works with an event loop running in its thread.

    Calling it without one raises a ``RuntimeError`` naming the function and the call site,
    instead of a confusing failure deeper down (``get_running_loop``, ``create_task``...).
    """
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise TypeError(
            f"require_running_loop: {_name_of(func)} is async, so it always runs inside an "
            "event loop; the decorator is for sync functions that need one"
        )
    name = _name_of(func)

    @functools.wraps(func)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        if _running_loop() is None:
            raise RuntimeError(
                f"{name}() must be called from async code, with an event loop running in "
                f"this thread, but it was called at {_site(_caller_frame())} where none is "
                "running; call it from a coroutine (or inside run_sync(...))"
            )
        return func(*args, **kwargs)

    return guarded


# --------------------------------------------------------------------------- helpers


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return _get_running_loop()
    except RuntimeError:
        return None


def _name_of(obj: object) -> str:
    return str(getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or obj)


def _caller_frame() -> types.FrameType | None:
    """The innermost frame outside this module: the code that called the public function."""
    frame = inspect.currentframe()  # None where the interpreter has no frame objects
    while frame is not None and frame.f_code.co_filename == _THIS_FILE:
        frame = frame.f_back
    return frame


def _site(frame: types.FrameType | None) -> str:
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` issued here that points at the caller."""
    level = 0
    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_filename == _THIS_FILE:
        level += 1
        frame = frame.f_back
    return max(level, 1)


def _describe(awaitable: object) -> str:
    name = getattr(awaitable, "__qualname__", None)
    if inspect.iscoroutine(awaitable) and name:
        return f"{name}()"
    return type(awaitable).__name__


def _close_awaitable(awaitable: object) -> None:
    """Close a coroutine we will never run, so no "never awaited" warning follows."""
    if inspect.iscoroutine(awaitable) or inspect.isgenerator(awaitable):
        awaitable.close()


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def _as_coroutine(awaitable: Awaitable[_T]) -> Coroutine[Any, Any, _T]:
    if type(awaitable) is types.CoroutineType or inspect.iscoroutine(awaitable):
        return awaitable
    if inspect.isawaitable(awaitable):
        return _await(awaitable)
    if inspect.iscoroutinefunction(awaitable):
        raise TypeError(
            f"run_sync() needs an awaitable, got the coroutine function {_name_of(awaitable)}; "
            f"call it: run_sync({_name_of(awaitable)}(...))"
        )
    raise TypeError(f"run_sync() needs an awaitable, got {type(awaitable).__name__}")


def _noop() -> None:
    pass


def _cancelled_by_us(task: asyncio.Task[Any]) -> bool:
    """Drop our cancellation request from the task's count (3.11+); True if none remain."""
    uncancel = getattr(task, "uncancel", None)
    return uncancel is None or uncancel() == 0


async def _wait_all(tasks: list[asyncio.Task[Any]]) -> None:
    await asyncio.wait(tasks)


def _report_leftover(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        loop.call_exception_handler(
            {
                "message": "unhandled exception in a task left behind by run_sync()",
                "exception": task.exception(),
                "task": task,
            }
        )


# --------------------------------------------------------------------------- our loops


class _Selector(selectors.DefaultSelector):
    """The platform's default selector, plus a hook run once before the loop next waits.

    ``run_sync`` installs its Ctrl-C handler from that hook, so a call that never waits for
    I/O or a timer never touches the SIGINT handler (the ``signal`` functions cost a few µs).
    Holding the selector also lets a forked child detach it (``_release_inherited``).
    """

    before_wait: Callable[[], None] | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        hook = self.before_wait
        if hook is not None and timeout != 0:
            self.before_wait = None
            hook()
        return _select(self, timeout)


_select = selectors.DefaultSelector.select


def _new_loop() -> tuple[asyncio.AbstractEventLoop, _Selector | None]:
    """A new loop as the event loop policy makes it, and its selector if we hold it.

    The default loop is made again around our own selector (a public constructor argument).
    Other loops (uvloop, a custom policy) are used as they come.
    """
    loop = asyncio.new_event_loop()
    if type(loop) is not asyncio.SelectorEventLoop:
        return loop, None
    loop.close()
    selector = _Selector()
    return asyncio.SelectorEventLoop(selector), selector


def _shutdown_executor(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_until_complete(loop.shutdown_default_executor())
    except RuntimeError:
        # 3.12+ at interpreter exit: no new thread may start to join the executor. Nothing is
        # lost: concurrent.futures joins its worker threads before atexit hooks run, and
        # loop.close() then shuts the executor down.
        pass


def _release_inherited(loop: asyncio.AbstractEventLoop, selector: _Selector | None) -> None:
    """Free a loop copied into a forked child without touching the parent's kernel state.

    The child shares the parent's epoll instance, and closing the loop unregisters file
    descriptors from it, which would silently break the parent's loop. So first point the
    child's descriptor of the selector at a new, empty kernel object, then close the loop.
    """
    try:
        if _running_loop() is loop:
            return  # fork() was called inside this loop: the child is still running it
        if selector is None:
            _inherited.append(loop)  # not ours to detach: never close it, nor let it be freed
            return
        _detach_selector(selector)
        if loop.is_running():  # copied from a thread that does not exist in this process
            _forget_thread(loop)
        if loop.is_running():
            _inherited.append(loop)  # detached, so harmless; asyncio will not close it
            return
        loop.close()
    except Exception:  # best effort: never fail a child process over a stale loop
        pass


def _detach_selector(selector: _Selector) -> None:
    fileno = getattr(selector, "fileno", None)  # epoll, devpoll, kqueue: a kernel object
    if fileno is None:
        return  # select() and poll() keep their state in this process
    fresh: Any = type(selector)()  # a new kernel object of the same kind
    try:
        os.dup2(fresh.fileno(), fileno(), inheritable=False)
    finally:
        fresh.close()


#: BaseEventLoop's record of the thread running it. Private; see _forget_thread.
_LOOP_THREAD_ID = "_thread_id"


def _forget_thread(loop: asyncio.AbstractEventLoop) -> None:
    """Tell one of our loops, copied by fork(), that no thread runs it in this process.

    fork() copies the loop but not the thread running it, so asyncio still reports it running
    and refuses to close it, and has no public way to be told otherwise. Only done when the
    attribute looks as expected; otherwise the loop stays open (and detached) until exit.
    """
    if type(getattr(loop, _LOOP_THREAD_ID, None)) is int:  # a thread ident, nothing else
        setattr(loop, _LOOP_THREAD_ID, None)


# --------------------------------------------------------------------------- no loop running


class _SigintCanceller:
    """SIGINT handler for a call: the first Ctrl-C cancels the task, a second one raises."""

    __slots__ = ("armed", "hits", "live", "loop", "task")

    def __init__(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.task = task
        self.loop = loop
        self.hits = 0
        self.live = True
        self.armed = False

    def arm(self) -> None:
        """Become the SIGINT handler if Python's default is installed.

        Called when the loop is about to wait (see ``_Selector``). Until then, Ctrl-C raises
        KeyboardInterrupt as in any sync code, and ``run`` still cancels the task.
        """
        if not self.live or self.task.done():
            return
        try:
            if signal.getsignal(_SIGINT) is _default_int_handler:
                signal.signal(_SIGINT, self)
                self.armed = True
        except Exception:  # e.g. not the main interpreter: Ctrl-C then works as in sync code
            pass

    def disarm(self) -> None:
        self.live = False
        if self.armed:
            self.armed = False
            if signal.getsignal(_SIGINT) is self:  # else the awaitable set its own: keep it
                signal.signal(_SIGINT, _default_int_handler)

    def __call__(self, signum: int, frame: types.FrameType | None) -> None:
        self.hits += 1
        if self.hits > 1 or self.task.done():
            raise KeyboardInterrupt
        self.task.cancel()
        self.loop.call_soon_threadsafe(_noop)  # wake the selector so the cancel is seen now


class _Deadline:
    __slots__ = ("expired", "task")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        self.expired = False

    def __call__(self) -> None:
        self.expired = True
        self.task.cancel()


def _tracking_factory(tasks: set[asyncio.Task[Any]]) -> Callable[..., asyncio.Task[Any]]:
    add = tasks.add
    discard = tasks.discard

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = _Task(coro, loop=loop, **kwargs)
        add(task)
        task.add_done_callback(discard)
        return task

    return factory


class _ThreadLoop:
    """The loop ``run_sync`` uses in one thread while no loop runs there; kept across calls.

    It lives in a ``threading.local``: when the thread ends its locals are cleared, in that
    thread, and ``__del__`` closes the loop (async generators first). At interpreter exit an
    ``atexit`` hook closes the main thread's loop and shuts down its default executor.
    """

    __slots__ = ("factory", "gen", "loop", "pid", "selector", "tasks")

    def __init__(self) -> None:
        self.gen = _fork_gen
        self.pid = os.getpid()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.loop, self.selector = _new_loop()
        self.factory = _tracking_factory(self.tasks)
        self.loop.set_task_factory(self.factory)

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float | None) -> _T:
        loop = self.loop
        task: asyncio.Task[_T] = _Task(coro, loop=loop)
        selector = self.selector
        sigint = None
        if _get_ident() == _main_ident:
            sigint = _SigintCanceller(task, loop)
            if selector is not None:
                selector.before_wait = sigint.arm
            else:
                loop.call_soon(sigint.arm)  # a policy's loop: arm after the first step
        deadline = timer = None
        if timeout is not None:
            deadline = _Deadline(task)
            timer = loop.call_later(timeout, deadline)
        try:
            try:
                return loop.run_until_complete(task)
            except BaseException:
                if not task.done():  # escaped the loop itself: a second Ctrl-C, SystemExit
                    self._abandon(task, sigint)
                    raise
                # The task's own outcome: only a cancellation we caused is translated.
                if not task.cancelled():
                    raise
                if sigint is not None and sigint.hits and _cancelled_by_us(task):
                    timed_out = False
                elif deadline is not None and deadline.expired and _cancelled_by_us(task):
                    timed_out = True
                else:
                    raise
        finally:
            if sigint is not None:
                if selector is not None:
                    selector.before_wait = None
                sigint.disarm()
            if timer is not None:
                timer.cancel()
            if self.tasks or loop.get_task_factory() is not self.factory:
                self.reap()
        # Raised here, outside the except block, so no CancelledError context is chained.
        if timed_out:
            raise _TimeoutError(
                f"run_sync() timed out after {timeout} s; the awaitable was cancelled"
            )
        raise KeyboardInterrupt

    def _abandon(self, task: asyncio.Task[Any], sigint: _SigintCanceller | None) -> None:
        """Something (a second Ctrl-C, SystemExit...) escaped the loop while the task ran."""
        self.tasks.add(task)  # whatever happens next, the next call or close() reaps it
        if sigint is not None and sigint.hits > 1:
            return  # the user insisted: don't wait for the task again
        task.cancel()
        with contextlib.suppress(BaseException):  # the first exception is the one to report
            self.loop.run_until_complete(asyncio.wait([task]))

    def reap(self) -> None:
        """Cancel and await the tasks a call left behind, so nothing runs between calls."""
        loop = self.loop
        for _ in range(_REAP_ROUNDS):
            if loop.get_task_factory() is self.factory:
                pending = [t for t in self.tasks if not t.done()]
            else:  # user code replaced our factory: fall back to scanning every task
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            self.tasks.clear()
            if not pending:
                return
            for task in pending:
                task.cancel()
            loop.run_until_complete(_Task(_wait_all(pending), loop=loop))
            for task in pending:
                _report_leftover(loop, task)

    def close(self, *, wait: bool) -> None:
        loop = self.loop
        if loop.is_closed():
            return
        if self.pid != os.getpid():
            _release_inherited(loop, self.selector)
            return
        if loop.is_running():
            return
        if not wait:
            # The owning thread is being torn down and `threading` already counts it as
            # finished; asyncio's debug logging (slow callbacks) from here would make it
            # register a stray _DummyThread for it.
            loop.set_debug(False)
        try:
            self.reap()
            loop.run_until_complete(loop.shutdown_asyncgens())
            if wait:
                _shutdown_executor(loop)
        finally:
            loop.close()  # without `wait`, this still shuts the default executor down

    def __del__(self) -> None:
        # No joining threads here: this runs while the owning thread is being torn down, and
        # no contextlib either: module globals may already be gone at interpreter exit.
        try:
            self.close(wait=False)
        except BaseException:
            pass


def _run_fresh(coro: Coroutine[Any, Any, _T], timeout: float | None) -> _T:
    if timeout is not None:
        return asyncio.run(asyncio.wait_for(coro, timeout))
    return asyncio.run(coro)


# --------------------------------------------------------------------------- loop running


def _run_from_running_loop(
    awaitable: Awaitable[_T],
    running: asyncio.AbstractEventLoop,
    allow_running_loop: bool,
    timeout: float | None,
) -> _T:
    if allow_running_loop:
        reenter = _reentry_here()
        if reenter is not None:  # a re-entrant task (loopsafe.run / enable_reentry)
            coro = _as_coroutine(awaitable)
            return reenter(coro if timeout is None else _timed(coro, timeout))  # type: ignore[no-any-return]
    frame = _caller_frame()
    coro = _as_coroutine(awaitable)
    if not allow_running_loop:
        coro.close()
        raise RuntimeError(
            f"run_sync({_describe(awaitable)}) was called at {_site(frame)} while an event "
            "loop is running in this thread; blocking here would freeze that loop. Make the "
            "calling function async and `await` the awaitable instead (or pass "
            "allow_running_loop=True to run it on a background loop thread)."
        )
    try:
        _warn_once(frame, awaitable, running)
        background = _background_for_this_thread()
    except BaseException:
        coro.close()
        raise
    return _run_in_background(coro, background, running, timeout, frame)


def _warn_once(
    frame: types.FrameType | None, awaitable: object, running: asyncio.AbstractEventLoop
) -> None:
    if frame is None:
        return
    key = (frame.f_code.co_filename, frame.f_lineno)
    if key in _warned_sites:
        return
    with _lock:
        if key in _warned_sites:
            return
        _warned_sites.add(key)
    warnings.warn(
        f"run_sync({_describe(awaitable)}, allow_running_loop=True) blocks the event loop "
        "running in this thread until the awaitable finishes on a background loop thread "
        f"({_why_not_reentrant(running)}); make the caller async and `await` it instead "
        "(shown once per call site)",
        RunningLoopWarning,
        stacklevel=_stacklevel(),
    )


# --------------------------------------------------------------------------- re-entrant mode
#
# With greenlet installed, ``loopsafe.run()`` / ``enable_reentry()`` (the re-entrant part of
# the runtime) run each task's steps in a greenlet that has a ``loopsafe_reenter`` method:
# calling it from sync code runs a coroutine on the task's own loop and returns its outcome.
# This module only looks for that method, so it never imports greenlet itself.

_REENTER_METHOD: Final = "loopsafe_reenter"
_FACTORY_MARK: Final = "loopsafe_reentrant"


def _reentry_here() -> Callable[[Coroutine[Any, Any, Any]], Any] | None:
    """The current greenlet's way back into its task's loop, if it has one."""
    greenlet = sys.modules.get("greenlet")
    if greenlet is None:
        return None
    try:
        reenter: Callable[[Coroutine[Any, Any, Any]], Any] | None = getattr(
            greenlet.getcurrent(), _REENTER_METHOD, None
        )
    except Exception:  # a half-imported or foreign "greenlet" module: no re-entry
        return None
    return reenter


async def _timed(coro: Coroutine[Any, Any, _T], timeout: float) -> _T:
    """``coro`` under ``timeout`` on the caller's loop, failing as the thread path does."""
    message = f"run_sync() timed out after {timeout} s; the awaitable was cancelled"
    scope = getattr(asyncio, "timeout", None)
    if scope is None:  # pragma: no cover - Python 3.10
        try:
            return await asyncio.wait_for(coro, timeout)
        except asyncio.TimeoutError:
            raise _TimeoutError(message) from None
    deadline = scope(timeout)
    try:
        async with deadline:
            return await coro
    except TimeoutError:
        if not deadline.expired():
            raise
    raise _TimeoutError(message)


def _why_not_reentrant(running: asyncio.AbstractEventLoop) -> str:
    """Why this call could not re-enter the running loop, and what would make it."""
    fix = "start the program with loopsafe.run() or call loopsafe.enable_reentry() early"
    if sys.modules.get("greenlet") is None:
        try:
            import importlib.util

            installed = importlib.util.find_spec("greenlet") is not None
        except (ImportError, ValueError):
            installed = False
        if not installed:
            return (
                "re-entrant mode needs greenlet, which is not installed: "
                "pip install 'loopsafe[reentrant]', then " + fix
            )
    if not getattr(running.get_task_factory(), _FACTORY_MARK, False):
        return f"the loop is not re-entrant: {fix}"
    task = _current_task(running)
    if task is None:
        return (
            "it was called from a loop callback, not from a task; run the code in a task "
            "(loop.create_task) to let it re-enter the loop"
        )
    return (
        f"the task {task.get_name()!r} was created before enable_reentry() (or by code that "
        "bypassed the loop's task factory, or the call runs in a greenlet of its own); "
        "tasks created from now on can re-enter, so run the code in a new task, or have "
        "the task call it through `await loopsafe.call_reentrant(func, ...)`"
    )


def _call_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """Task factory of background loops: tasks remember which run_sync call spawned them."""
    task: asyncio.Task[Any] = _Task(coro, loop=loop, **kwargs)
    spawned = _call_tasks.get(None)
    if spawned is not None:
        spawned.add(task)
        task.add_done_callback(spawned.discard)
    return task


class _Background:
    """One long-lived event loop in a daemon thread, shared by every caller at one depth.

    Depth 1 serves threads whose own loop is running; depth 2 serves the depth-1 thread if a
    coroutine there calls run_sync(allow_running_loop=True) itself, and so on.
    """

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.stopping = False
        self.loop, self.selector = _new_loop()
        self.loop.set_task_factory(_call_factory)
        self.post = self.loop.call_soon_threadsafe
        started = threading.Event()
        self.thread = threading.Thread(
            target=self._serve, args=(started,), name=f"loopsafe-run_sync-{depth}", daemon=True
        )
        self.thread.start()
        started.wait()

    def _serve(self, started: threading.Event) -> None:
        loop = self.loop
        ident = _get_ident()
        _bg_depth[ident] = self.depth
        loop.call_soon(started.set)
        try:
            while True:
                try:
                    loop.run_forever()
                except BaseException as exc:  # a stray task raised KeyboardInterrupt & co.
                    if self.stopping:
                        break
                    loop.call_exception_handler(
                        {
                            "message": "a task on the run_sync() background loop raised "
                            "this; the loop keeps serving other calls",
                            "exception": exc,
                        }
                    )
                    continue
                if self.stopping:
                    break
        finally:
            try:
                self._shutdown()
            finally:
                _bg_depth.pop(ident, None)

    def _shutdown(self) -> None:
        loop = self.loop
        try:
            loop.run_until_complete(asyncio.sleep(0))  # let calls posted last get started
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(_wait_all(pending))
            loop.run_until_complete(loop.shutdown_asyncgens())
            _shutdown_executor(loop)
        finally:
            loop.close()

    def stop(self, timeout: float) -> None:
        self.stopping = True
        try:
            self.post(self.loop.stop)
        except RuntimeError:  # already closed
            return
        self.thread.join(timeout)

    def release_inherited(self) -> None:
        _release_inherited(self.loop, self.selector)


def _background_for_this_thread() -> _Background:
    depth = _bg_depth.get(_get_ident(), 0) + 1
    background = _backgrounds.get(depth)
    if background is not None:
        return background
    with _lock:
        background = _backgrounds.get(depth)
        if background is None:
            if _closing:
                raise RuntimeError(
                    "run_sync(allow_running_loop=True) cannot start its background loop: "
                    "the interpreter is shutting down"
                )
            background = _backgrounds[depth] = _Background(depth)
    return background


_PENDING, _OK, _FAILED = 0, 1, 2


class _Call:
    """One run_sync call on a background loop, shared by the caller and the loop thread."""

    __slots__ = (
        "awaitable",
        "cancel_requested",
        "done",
        "error",
        "lock",
        "running",
        "spawned",
        "state",
        "task",
        "value",
    )

    def __init__(self, awaitable: Coroutine[Any, Any, Any]) -> None:
        self.awaitable: Coroutine[Any, Any, Any] | None = awaitable
        self.lock = threading.Lock()
        self.lock.acquire()  # released (once or more) to wake the caller
        self.done = False
        self.running = False
        self.cancel_requested = False
        self.state = _PENDING
        self.value: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self.spawned: set[asyncio.Task[Any]] = set()

    def wake(self) -> None:
        try:  # hot path: a with-statement costs more
            self.lock.release()
        except RuntimeError:  # already released: the caller will see the news anyway
            pass

    def finish(self) -> None:
        self.done = True
        self.wake()


async def _drive(call: _Call) -> None:
    """Run the caller's awaitable on the background loop and report the outcome."""
    call.running = True
    awaitable, call.awaitable = call.awaitable, None
    try:
        try:
            if call.cancel_requested:
                _close_awaitable(awaitable)
                raise asyncio.CancelledError
            _call_tasks.set(call.spawned)
            assert awaitable is not None
            call.value = await awaitable
            call.state = _OK
        except BaseException as exc:  # KeyboardInterrupt too: it must not kill the shared loop
            call.error = exc
            call.state = _FAILED
        if call.spawned:
            await _reap_spawned(call.spawned)
    finally:
        call.finish()


async def _reap_spawned(spawned: set[asyncio.Task[Any]]) -> None:
    loop = asyncio.get_running_loop()
    for _ in range(_REAP_ROUNDS):
        pending = [t for t in spawned if not t.done()]
        spawned.clear()
        if not pending:
            return
        for task in pending:
            task.cancel()
        await asyncio.wait(pending)
        for task in pending:
            _report_leftover(loop, task)


def _start_call(call: _Call, loop: asyncio.AbstractEventLoop) -> None:
    if call.cancel_requested:
        _close_awaitable(call.awaitable)
        call.awaitable = None
        call.error = asyncio.CancelledError()
        call.state = _FAILED
        call.finish()
        return
    # On 3.12+ the first step runs now rather than one loop iteration later.
    call.task = _Task(_drive(call), loop=loop, **_EAGER)


def _cancel_call(call: _Call) -> None:
    if call.running and call.task is not None:
        call.task.cancel()
    else:
        call.cancel_requested = True


class _Probe:
    """Posted to the background loop while the call looks deadlocked. By running at all it
    shows that loop is not blocked; it also checks, on the loop that owns them and so with
    nothing changing underneath, whether the call's task waits for ``futures``."""

    __slots__ = ("answered", "awaiting", "call", "futures", "sent")

    def __init__(
        self, call: _Call, futures: list[concurrent.futures.Future[Any]], now: float
    ) -> None:
        self.call = call
        self.futures = futures
        self.sent = now
        self.answered = False
        self.awaiting = False

    def __call__(self) -> None:
        try:
            task = self.call.task
            if task is not None and not task.done():
                chained = [f for future in self.futures for f in _chained_to(future)]
                self.awaiting = bool(chained) and _awaits_any(task, chained)
        except Exception:  # evidence only: never let it break the background loop
            self.awaiting = False
        self.answered = True
        self.call.wake()


class _Watch:
    """What ``run_sync`` learns while a background call blocks the caller's loop.

    Built from what the helper owns or may ask through public API: the call and its task,
    the background loop and its thread (``_Probe`` is a heartbeat), and the calling task
    (``asyncio.run`` answers Ctrl-C by cancelling it). The evidence that the awaitable needs
    the blocked loop comes from reading that loop's queue (``_queued_work``).
    """

    __slots__ = (
        "background",
        "blocked",
        "call",
        "caller",
        "caller_cancels",
        "pending",
        "polled",
        "probe",
        "scanned",
        "sigint",
        "since",
        "suspects",
        "warned",
    )

    def __init__(
        self, blocked: asyncio.AbstractEventLoop, call: _Call, background: _Background
    ) -> None:
        self.blocked = blocked
        self.call = call
        self.background = background
        # Work queued on the blocked loop from here on came from other threads, during the call.
        self.scanned = _ready_length(blocked)
        caller = _current_task(blocked)
        cancelling = getattr(caller, "cancelling", None)  # 3.11+
        self.caller = caller if cancelling is not None else None
        self.caller_cancels: int = cancelling() if cancelling is not None else 0
        self.polled = False
        self.suspects = 0
        self.pending: list[concurrent.futures.Future[Any]] = []
        self.since = 0.0
        self.warned = False
        self.probe: _Probe | None = None
        self.sigint: Any = None

    def check(self, now: float) -> str | None:
        """Called every ``_POLL`` s of waiting: "cancelled", why it is deadlocked, or None."""
        caller = self.caller
        if caller is not None and caller.cancelling() > self.caller_cancels:
            return "cancelled"  # e.g. asyncio.run's Ctrl-C handler cancelled the calling task
        if not self.polled:
            self.polled = True
            self._take_sigint()
        self.scan()
        if not self.suspects:
            return None
        if not self.since:
            self.since = now
        pending = self.pending = [f for f in self.pending if not f.done()]
        if not pending:
            return None
        probe = self.probe
        if probe is None or probe.answered:
            if probe is not None and probe.awaiting:
                return "the awaitable is awaiting"
            self.probe = _Probe(self.call, pending, now)
            with contextlib.suppress(RuntimeError):  # background loop closed
                self.background.post(self.probe)
            return None
        if now - probe.sent >= _STALL and _thread_waits_for(self.background.thread.ident, pending):
            return "the background loop thread is blocked waiting for"
        return None

    def scan(self) -> None:
        """Note the work queued on the blocked loop since the last scan."""
        if self.scanned < 0:
            return
        read = _queued_work(self.blocked, self.scanned)
        if read is None:
            self.scanned = -1  # not a loop whose queue we can read: no evidence, only timeout
            return
        count, queued = read
        self.scanned += count
        for callback, args in queued:
            if callback is _cancel_call or callback is _start_call or type(callback) is _Probe:
                continue  # ours, from an enclosing run_sync call
            futures = _concurrent_futures_in(callback, args)
            pending = [f for f in futures if not f.done()]
            if futures and not pending:
                continue  # delivers the result of finished work, e.g. of run_in_executor
            self.suspects += 1
            self.pending.extend(f for f in pending if all(f is not p for p in self.pending))

    def due_warning(self, now: float) -> bool:
        if self.warned or not self.since or now - self.since < _SUSPECT_WARN_AFTER:
            return False
        self.warned = True
        return True

    def _take_sigint(self) -> None:
        """In the main thread under ``asyncio.run``, let Ctrl-C raise KeyboardInterrupt.

        asyncio.run's SIGINT handler only cancels the main task, which cannot take effect
        while this call blocks its loop. Done at the first poll, so quick calls pay nothing;
        a Ctrl-C before then cancels the calling task, which ``check`` notices.
        """
        if _get_ident() != _main_ident:
            return
        try:
            handler = signal.getsignal(_SIGINT)
            if _is_runner_handler(handler):
                signal.signal(_SIGINT, _default_int_handler)
                self.sigint = handler
        except ValueError:  # not the main interpreter
            pass

    def close(self) -> None:
        previous, self.sigint = self.sigint, None
        if previous is not None:
            with contextlib.suppress(ValueError):
                if signal.getsignal(_SIGINT) is _default_int_handler:
                    signal.signal(_SIGINT, previous)


def _is_runner_handler(handler: object) -> bool:
    """Whether ``handler`` is the SIGINT handler of an ``asyncio.Runner`` (``asyncio.run``):
    a bound method of a Runner, possibly in a ``functools.partial``. Public attributes only;
    if that ever changes, Ctrl-C is still honoured through the cancelled calling task."""
    runner_type = getattr(asyncio, "Runner", None)
    if runner_type is None:  # 3.10: asyncio.run installs no SIGINT handler
        return False
    func = handler.func if isinstance(handler, functools.partial) else handler
    return isinstance(getattr(func, "__self__", None), runner_type)


# --------------------------------------------------------------------------- deadlock evidence
#
# asyncio has no public way to list the callbacks queued on a loop, nor to ask which
# asyncio futures a concurrent future completes, nor (before 3.14) what a task waits for.
# Without them a deadlock cannot be proven, only bounded by a timeout. So they are read
# here, and only here: never written, the names spelled once below, every value checked
# before use. Whatever is missing or changed yields no evidence, never an error.

_LOOP_READY = "_ready"  # BaseEventLoop: collections.deque of the Handles to run next
_HANDLE_CALLBACK = "_callback"  # asyncio.Handle: the callback and its arguments
_HANDLE_ARGS = "_args"
_CF_CALLBACKS = "_done_callbacks"  # concurrent.futures.Future: list of done callbacks
_TASK_WAITER = "_fut_waiter"  # asyncio.Task: the future it is suspended on (3.10-3.13)
_GATHER_CHILDREN = "_children"  # the future asyncio.gather() returns: its children (3.10-3.13)

# Public on 3.14+: who awaits a future. Replaces _TASK_WAITER and _GATHER_CHILDREN there.
_capture_call_graph: Callable[..., Any] | None = getattr(asyncio, "capture_call_graph", None)
# Documented for exactly this (debugging deadlocks), but CPython-specific.
_current_frames: Callable[[], dict[int, types.FrameType]] | None = getattr(
    sys, "_current_frames", None
)
# Where a thread blocks on a concurrent future (e.g. run_coroutine_threadsafe(...).result()).
_CF_WAITS: Final = frozenset(
    code
    for code in (
        getattr(concurrent.futures.Future.result, "__code__", None),
        getattr(concurrent.futures.Future.exception, "__code__", None),
    )
    if isinstance(code, types.CodeType)
)


def _ready_length(loop: asyncio.AbstractEventLoop) -> int:
    ready = getattr(loop, _LOOP_READY, None)
    return len(ready) if isinstance(ready, collections.deque) else -1


def _queued_work(
    loop: asyncio.AbstractEventLoop, start: int
) -> tuple[int, list[tuple[Any, Any]]] | None:
    """How many handles are queued on ``loop`` from position ``start`` on, and the
    (callback, args) of those not cancelled.

    Called in the loop's own thread while ``run_sync`` blocks it, so the queue only grows,
    at its end. None if the queue cannot be read; a callback of None if a handle cannot be.
    """
    ready = getattr(loop, _LOOP_READY, None)
    if not isinstance(ready, collections.deque):
        return None
    try:
        handles = list(itertools.islice(ready, start, None))
    except RuntimeError:  # changed while copied (free-threaded builds): next poll
        return 0, []
    found = []
    for handle in handles:
        if isinstance(handle, asyncio.Handle) and handle.cancelled():
            continue
        args = getattr(handle, _HANDLE_ARGS, None)
        found.append((getattr(handle, _HANDLE_CALLBACK, None), args))
    return len(handles), found


def _concurrent_futures_in(callback: Any, args: Any) -> list[concurrent.futures.Future[Any]]:
    """Concurrent futures that running ``callback`` would resolve (e.g. from
    ``run_coroutine_threadsafe``), found in its arguments and closure."""
    found: list[concurrent.futures.Future[Any]] = []
    candidates: list[Any] = [*(args if isinstance(args, tuple) else ()), callback]
    for _ in range(2):
        nested: list[Any] = []
        for obj in candidates:
            if isinstance(obj, concurrent.futures.Future):
                found.append(obj)
                continue
            if isinstance(obj, functools.partial):
                nested.extend((obj.func, *obj.args, *obj.keywords.values()))
            nested.extend(_closure_values(getattr(obj, "__func__", obj)))
        candidates = nested
    return found


def _closure_values(func: Any) -> list[Any]:
    values = []
    closure = getattr(func, "__closure__", None)
    for cell in closure if isinstance(closure, tuple) else ():
        with contextlib.suppress(ValueError):  # empty cell
            values.append(cell.cell_contents)
    return values


def _chained_to(future: concurrent.futures.Future[Any]) -> list[Any]:
    """asyncio futures that completing ``future`` completes (``asyncio.wrap_future``)."""
    callbacks = getattr(future, _CF_CALLBACKS, None)
    if not isinstance(callbacks, list):
        return []
    return [
        value
        for callback in list(callbacks)
        for value in _closure_values(callback)
        if asyncio.isfuture(value)
    ]


def _awaits_any(task: asyncio.Task[Any], futures: list[Any]) -> bool:
    """Whether ``task`` waits for one of ``futures``, directly or through tasks and gather().
    Run on the task's loop."""
    capture = _capture_call_graph
    if capture is not None:
        try:
            return any(_in_awaited_by(capture(future), task) for future in futures)
        except Exception:  # not the API we know: use the older evidence
            pass
    awaited = _awaited_by(task)
    return any(id(future) in awaited for future in futures)


def _in_awaited_by(graph: Any, task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` is in the "awaited by" tree of a ``capture_call_graph()`` result."""
    stack = [graph]
    for _ in range(10_000):
        if not stack:
            return False
        node = stack.pop()
        if getattr(node, "future", None) is task:
            return True
        awaited_by = getattr(node, "awaited_by", None)
        if isinstance(awaited_by, (list, tuple)):
            stack.extend(awaited_by)
    return False


def _awaited_by(task: asyncio.Task[Any]) -> set[int]:
    """Ids of every future the task is waiting on, directly or through tasks and gather()."""
    seen: set[int] = set()
    stack: list[Any] = [task]
    while stack and len(seen) < 10_000:
        future = stack.pop()
        if id(future) in seen:
            continue
        seen.add(id(future))
        waiter = getattr(future, _TASK_WAITER, None)
        if asyncio.isfuture(waiter):
            stack.append(waiter)
        children = getattr(future, _GATHER_CHILDREN, None)
        if isinstance(children, (list, tuple)):
            stack.extend(child for child in children if asyncio.isfuture(child))
    return seen


def _thread_waits_for(ident: int | None, futures: list[concurrent.futures.Future[Any]]) -> bool:
    """Whether thread ``ident`` is blocked, with no timeout, in ``result()`` or
    ``exception()`` of one of ``futures``."""
    current_frames = _current_frames
    if current_frames is None or ident is None:
        return False
    frame: types.FrameType | None = None
    try:
        frame = current_frames().get(ident)
        for _ in range(100):
            if frame is None:
                return False
            if frame.f_code in _CF_WAITS:
                names = frame.f_locals
                target = names.get("self")
                if names.get("timeout") is None and any(target is f for f in futures):
                    return True
            frame = frame.f_back
    except Exception:  # e.g. an audit hook refusing sys._current_frames
        pass
    finally:
        del frame  # frames hold their locals: do not keep them alive
    return False


# --------------------------------------------------------------------------- waiting


def _run_in_background(
    coro: Coroutine[Any, Any, _T],
    background: _Background,
    blocked: asyncio.AbstractEventLoop,
    timeout: float | None,
    frame: types.FrameType | None,
) -> _T:
    call = _Call(coro)
    watch = _Watch(blocked, call, background)
    try:
        try:
            background.post(_start_call, call, background.loop, context=contextvars.copy_context())
        except BaseException:
            coro.close()
            raise
        try:
            outcome = _wait_for_call(call, watch, blocked, timeout, frame)
        except BaseException as exc:  # Ctrl-C, or a warning turned into an error
            if not call.done:
                _post_cancel(background, call)
                if isinstance(exc, KeyboardInterrupt):
                    _wait_for(call, None)  # let its finally blocks run; Ctrl-C again aborts
            raise
        if outcome == "cancelled":  # so is the call: it unwinds, then its outcome is ours
            _post_cancel(background, call)
            _wait_for(call, None)
        elif outcome is not None:
            _post_cancel(background, call)
            if outcome != "timeout":
                raise LoopDeadlockError(_deadlock_message(blocked, frame, outcome))
            _wait_for(call, _CANCEL_GRACE)
            if not call.done or (call.state == _FAILED and _is_cancel(call.error)):
                raise _TimeoutError(_timeout_message(timeout, call, watch, blocked, frame))
    finally:
        watch.close()
    if call.state == _OK:
        value: _T = call.value
        call.value = None
        return value
    error = call.error
    call.error = None  # break the cycle error -> traceback -> _drive frame -> call
    assert error is not None
    try:
        _add_hint(error, blocked)
        raise error
    finally:
        error = None


def _wait_for_call(
    call: _Call,
    watch: _Watch,
    blocked: asyncio.AbstractEventLoop,
    timeout: float | None,
    frame: types.FrameType | None,
) -> str | None:
    """Block until the call is done; else return "timeout", "cancelled" or the deadlock."""
    deadline = None if timeout is None else time.monotonic() + timeout
    acquire = call.lock.acquire
    while not call.done:
        wait = _POLL
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - time.monotonic()))
        acquire(True, wait)
        if call.done:
            return None
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            watch.scan()  # for the message
            return "timeout"
        reason = watch.check(now)
        if reason is not None:
            return reason
        if watch.due_warning(now):
            warnings.warn(
                _deadlock_message(blocked, frame, "the awaitable may be waiting for")
                + f" (still waiting after {_SUSPECT_WARN_AFTER:g} s)",
                RuntimeWarning,
                stacklevel=_stacklevel(),
            )
    return None


def _post_cancel(background: _Background, call: _Call) -> None:
    with contextlib.suppress(RuntimeError):  # background loop already closed
        background.post(_cancel_call, call)


def _wait_for(call: _Call, timeout: float | None) -> None:
    end = None if timeout is None else time.monotonic() + timeout
    while not call.done:
        if end is None:
            call.lock.acquire()
        else:
            left = end - time.monotonic()
            if left <= 0:
                return
            call.lock.acquire(True, left)


def _is_cancel(error: BaseException | None) -> bool:
    return isinstance(error, asyncio.CancelledError)


def _deadlock_message(
    blocked: asyncio.AbstractEventLoop, frame: types.FrameType | None, how: str
) -> str:
    return (
        f"run_sync() at {_site(frame)} would never return: {how} work scheduled on the event "
        f"loop running in the calling thread ({blocked!r}), and that loop cannot run that work "
        "until run_sync() returns, because run_sync() is blocking it. Make the caller async "
        "and `await` the awaitable instead of calling run_sync() from code running in a loop."
    )


def _timeout_message(
    timeout: float | None,
    call: _Call,
    watch: _Watch,
    blocked: asyncio.AbstractEventLoop,
    frame: types.FrameType | None,
) -> str:
    message = f"run_sync() timed out after {timeout} s; the awaitable was cancelled"
    if not call.done:
        message += f" but had not finished unwinding after {_CANCEL_GRACE:g} s"
    if watch.suspects:
        message += ". Probable deadlock: " + _deadlock_message(
            blocked, frame, "the awaitable may be waiting for"
        )
    return message


def _add_hint(error: BaseException, blocked: asyncio.AbstractEventLoop) -> None:
    """Explain asyncio's terse error when the awaitable used the caller's (blocked) loop."""
    if (
        isinstance(error, RuntimeError)
        and ("attached to a different loop" in str(error) or "different event loop" in str(error))
        and hasattr(error, "add_note")
    ):
        error.add_note(
            "loopsafe: run_sync(allow_running_loop=True) runs the awaitable on a background "
            f"loop, not on the loop of the calling thread ({blocked!r}); objects bound to that "
            "loop cannot be used there. `await` the awaitable from the caller's loop instead."
        )


# --------------------------------------------------------------------------- process lifetime


def _at_exit() -> None:
    global _closing
    _closing = True
    runner: _ThreadLoop | None = getattr(_local, "runner", None)
    if runner is not None:
        with contextlib.suppress(Exception):
            runner.close(wait=True)
    for depth in sorted(_backgrounds, reverse=True):
        _backgrounds.pop(depth).stop(timeout=5.0)


def _after_fork_in_child() -> None:
    global _fork_gen, _lock, _main_ident, _backgrounds, _bg_depth
    _fork_gen += 1
    _lock = threading.Lock()
    _main_ident = _get_ident()
    inherited, _backgrounds, _bg_depth = _backgrounds, {}, {}
    for background in inherited.values():
        background.release_inherited()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
