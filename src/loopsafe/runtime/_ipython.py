"""``%load_ext loopsafe``: make the cells of a Jupyter kernel re-entrant.

Why this is enough: ipykernel (7.x) runs every shell message, so every cell, in a new task
that it creates with ``loop.create_task`` on the kernel's running loop (pyzmq's ``ZMQStream``
wraps the async handler in ``asyncio.ensure_future`` and ipykernel's ``_async_in_context``
in ``asyncio.create_task``); a cell with top-level ``await`` gets one more task
(``asyncio.ensure_future(shell.run_cell_async(...))``). So installing loopsafe's task factory
on that loop (``enable_reentry``) makes every later cell, with or without ``await``, run in a
re-entrant task, and sync code in it can call ``run_sync(coro, allow_running_loop=True)`` on
the kernel's own loop.

One more change, for Ctrl-C: ipykernel turns an interrupt into cancelling the cell's task
only on its async path (``_cancel_on_sigint``); on its sync path SIGINT raises
``KeyboardInterrupt`` wherever the main thread is, which during a re-entrant call is the
kernel's loop itself, and the kernel dies. So the shell instance's ``should_run_async``
(IPython's documented method that ipykernel asks "run this cell as a task?") answers yes for
every cell when the kernel asks. A cell without ``await`` still compiles and runs as plain
sync code (IPython decides that from the compiled code, not from this answer). Nested
``shell.run_cell(...)`` calls from inside a cell get IPython's own answer, as before.

Nothing of asyncio or IPython's classes is patched: the loop's task factory (public
``loop.set_task_factory``) and that one attribute of the shell instance; ``%unload_ext``
puts both back.

Loaded through ``loopsafe.load_ipython_extension``, which imports nothing of the analyser.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from typing import Any

# The task factory each loop had before %load_ext loopsafe, for %unload_ext.
_previous: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
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
    try:
        from ._reentrant import enable_reentry
    except ImportError as exc:  # greenlet missing: say how to get it, keep the kernel alive
        print(f"loopsafe: re-entrant mode needs greenlet ({exc}); pip install 'loopsafe[reentrant]'")
        return
    if loop not in _previous:
        _previous[loop] = loop.get_task_factory()
    enable_reentry(loop)
    _run_cells_as_tasks(ipython)


_KERNEL_MODULE = "ipykernel.ipkernel"  # where ipykernel's do_execute asks should_run_async


def _run_cells_as_tasks(ipython: Any) -> None:
    """Make the kernel run every cell on its async path, where Ctrl-C cancels the cell."""
    if "should_run_async" in vars(ipython):
        return  # already ours (a second %load_ext), or someone else's: leave it
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
        # Only when the kernel itself asks: IPython's own run_cell() would then use
        # run_until_complete on the running loop, which fails.
        return sys._getframe(1).f_globals.get("__name__") == _KERNEL_MODULE

    should_run_async.loopsafe = True  # type: ignore[attr-defined]
    ipython.should_run_async = should_run_async


def unload_ipython_extension(ipython: Any) -> None:
    """Put back the task factory the loop had before ``%load_ext loopsafe``."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    if loop in _previous:
        loop.set_task_factory(_previous.pop(loop))
    if getattr(vars(ipython).get("should_run_async"), "loopsafe", False):
        del ipython.should_run_async
