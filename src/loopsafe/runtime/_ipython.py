"""``%load_ext loopsafe``: make the cells of a Jupyter kernel re-entrant.

Why a task factory is enough: ipykernel (7.x) runs every shell message, so every cell, in a
new task that it creates with ``loop.create_task`` on the kernel's running loop (pyzmq's
``ZMQStream`` wraps the async handler in ``asyncio.ensure_future``, ipykernel's
``_async_in_context`` in ``asyncio.create_task``); a cell with top-level ``await`` gets one
more (``asyncio.ensure_future(shell.run_cell_async(...))``). So loopsafe's task factory on
that loop (``enable_reentry``) makes every later cell, with or without ``await``, run in a
re-entrant task: its sync code can call ``run_sync(coro, allow_running_loop=True)`` on the
kernel's own loop.

Ctrl-C (the interrupt button sends SIGINT): a sync cell keeps ipykernel's handler,
``KeyboardInterrupt`` where the main thread is. But while a cell waits in a re-entrant call,
the main thread runs the kernel's loop, and a ``KeyboardInterrupt`` there ends the kernel.
So for that one case a SIGINT handler cancels the cell's task instead, as ``asyncio.run``
does for its main task (the re-entered coroutine is cancelled, the cell ends with
``CancelledError``); in every other case it hands the signal to the handler it replaced.
The cell's task is known from IPython's documented ``pre_run_cell`` / ``post_run_cell``
events.

ipykernel 6 runs every sync cell in one long-lived task, created before ``%load_ext``, so
there the shell instance's ``should_run_async`` (IPython's public method ipykernel asks "run
this cell as a task of its own?") answers yes when ipykernel asks: each cell then runs in
``asyncio.ensure_future(shell.run_cell_async(...))``, a new, re-entrant task. A cell without
``await`` still runs as plain sync code (IPython decides that from the compiled cell), and
a nested ``shell.run_cell()`` gets IPython's own answer.

Nothing of asyncio or IPython is patched; ``%unload_ext`` undoes every change (task factory,
events, SIGINT handler, and on ipykernel 6 the instance's ``should_run_async``).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import types
import weakref
from typing import Any

# What %load_ext changed, per loop, for %unload_ext.
_installed: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Interrupts] = (
    weakref.WeakKeyDictionary()
)


def load_ipython_extension(ipython: Any) -> None:
    """Install re-entry on the loop running the kernel (IPython calls this on ``%load_ext``)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        # Terminal IPython: no loop runs between cells, so a sync cell's run_sync(coro)
        # already runs on loopsafe's per-thread loop; there is nothing to re-enter.
        print(
            "loopsafe: no event loop is running in this shell, so cells need no re-entry; "
            "run_sync(coro) works in them as it is"
        )
        return
    from ._reentrant import enable_reentry

    previous = loop.get_task_factory()
    if not enable_reentry(loop):
        print(
            "loopsafe: re-entrant mode needs greenlet, which is not installed: "
            "pip install 'loopsafe[reentrant]' (run_sync keeps its thread path meanwhile)"
        )
        return
    if loop not in _installed:
        _installed[loop] = _Interrupts(ipython, loop, previous)


def unload_ipython_extension(ipython: Any) -> None:
    """Put back what ``%load_ext loopsafe`` changed."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    interrupts = _installed.pop(loop, None)
    if interrupts is not None:
        interrupts.remove()


class _Interrupts:
    """Turns a Ctrl-C that lands in the kernel's loop, while a cell waits in a re-entrant
    call, into cancelling that cell's task."""

    def __init__(self, ipython: Any, loop: asyncio.AbstractEventLoop, factory: Any) -> None:
        self.ipython, self.loop, self.factory = ipython, loop, factory
        self.cell: asyncio.Task[Any] | None = None
        self.previous: Any = None
        ipython.events.register("pre_run_cell", self.pre_run_cell)
        ipython.events.register("post_run_cell", self.post_run_cell)
        self.should_run_async = _cells_as_tasks(ipython)

    def pre_run_cell(self, info: Any = None) -> None:
        """Handle SIGINT for this cell. Per cell, because ipykernel sets the handler around
        each request (``default_int_handler`` during it, ``SIG_IGN`` between requests)."""
        self.cell = asyncio.current_task()
        try:
            self.previous = signal.signal(signal.SIGINT, self.on_sigint)
        except ValueError:  # not the main thread (a subshell): ipykernel's handling stays
            self.previous = None

    def post_run_cell(self, result: Any = None) -> None:
        self.cell = None
        self._restore()

    def _restore(self) -> None:
        previous, self.previous = self.previous, None
        if previous is None:
            return
        try:
            if signal.getsignal(signal.SIGINT) == self.on_sigint:
                signal.signal(signal.SIGINT, previous)
        except ValueError:
            pass

    def on_sigint(self, signum: int, frame: types.FrameType | None) -> None:
        cell = self.cell
        if cell is not None and not cell.done() and asyncio.current_task(self.loop) is not cell:
            # The cell's task is suspended (waiting in run_sync) and the loop runs other
            # work: a KeyboardInterrupt here would stop the loop, so cancel the cell.
            cell.cancel()
            self.loop.call_soon_threadsafe(_noop)  # wake the loop if it waits
            return
        previous = self.previous
        if cell is None and callable(previous):
            previous(signum, frame)
        else:  # the cell's own code runs: interrupt it there, as in any sync cell
            signal.default_int_handler(signum, frame)

    def remove(self) -> None:
        self.loop.set_task_factory(self.factory)
        if self.should_run_async is not None and (
            vars(self.ipython).get("should_run_async") is self.should_run_async
        ):
            del self.ipython.should_run_async
        for name, callback in (
            ("pre_run_cell", self.pre_run_cell),
            ("post_run_cell", self.post_run_cell),
        ):
            try:
                self.ipython.events.unregister(name, callback)
            except ValueError:
                pass
        self._restore()


def _noop() -> None:
    pass


_KERNEL_MODULE = "ipykernel.ipkernel"  # where ipykernel's do_execute asks should_run_async


def _cells_as_tasks(ipython: Any) -> Any:
    """On ipykernel 6, make the kernel run each cell in a task of its own; the function set
    as the instance's ``should_run_async``, or None where nothing was changed."""
    kernel_module = sys.modules.get("ipykernel")
    version = str(getattr(kernel_module, "__version__", ""))
    if not version.split(".")[0].isdigit() or int(version.split(".")[0]) >= 7:
        return None  # ipykernel 7 makes a task per cell already; not a kernel at all
    if "should_run_async" in vars(ipython):
        return None  # someone else's override: leave it
    original = ipython.should_run_async

    def should_run_async(
        raw_cell: str, *, transformed_cell: str | None = None, preprocessing_exc_tuple: Any = None
    ) -> bool:
        answer = bool(
            original(
                raw_cell,
                transformed_cell=transformed_cell,
                preprocessing_exc_tuple=preprocessing_exc_tuple,
            )
        )
        if answer or preprocessing_exc_tuple is not None or not ipython.autoawait:
            return answer
        # Only when the kernel asks: IPython's own run_cell() would then call
        # run_until_complete on the running loop, which fails.
        return sys._getframe(1).f_globals.get("__name__") == _KERNEL_MODULE

    ipython.should_run_async = should_run_async
    return should_run_async
