"""Run a LibCST codemod where deep recursion cannot fail it.

LibCST recurses once per nesting level, and some of its visitors once per statement of a
block: `AddImportsVisitor` matches the module's body with a recursive sequence matcher,
so a module of more than about a thousand top-level statements failed every fix in it
with `RecursionError`. The codemod runs on a thread with a deep stack and a recursion
limit to match, restored afterwards.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # address space, committed only as far as it is used
RECURSION_LIMIT = 200_000
_LOCK = threading.Lock()  # the recursion limit is the process's: one deep call at a time


def call_with_deep_stack(func: Callable[[], T]) -> T:
    """`func()`, on a thread whose stack fits `RECURSION_LIMIT` frames; its exception is
    raised here. Where no such thread can be started, `func()` here, as it is."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(func())
        except BaseException as exc:  # handed to the caller, whatever it is
            failure.append(exc)

    # A daemon: Ctrl-C while it works ends the run at once, not after the codemod.
    thread = threading.Thread(target=run, name="loopsafe-codemod", daemon=True)
    with _LOCK:
        previous_size = threading.stack_size()
        previous_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
        try:
            try:
                # The size is read when the thread starts: it must be set until then.
                threading.stack_size(STACK_BYTES)
                thread.start()
            except (ValueError, RuntimeError):  # no big stacks (or threads) here
                started = False
            else:
                started = True
            finally:
                threading.stack_size(previous_size)
            if started:
                thread.join()
        finally:
            sys.setrecursionlimit(previous_limit)
    if not started:
        return func()
    if failure:
        raise failure[0]
    return outcome[0]
