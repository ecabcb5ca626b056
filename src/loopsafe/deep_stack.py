"""Threads with a deep stack, for LibCST work that recurses deeply.

LibCST recurses once per nesting level, and some of its visitors once per statement of a
block: `AddImportsVisitor` matches the module's body with a recursive sequence matcher,
so a module of more than about a thousand top-level statements failed every fix in it
with `RecursionError`. The codemod runs on a thread with a deep stack and a recursion
limit to match, restored afterwards; the in-process parser fallback uses such a thread
too. Standard library only.
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


def start_with_stack(thread: threading.Thread, stack_bytes: int) -> None:
    """`thread.start()` with a stack of `stack_bytes`. The size is read when a thread
    starts, not when it is made: reset before `start()`, the thread got the default stack
    (and Python 3.10 overflowed it on C recursion)."""
    previous = threading.stack_size()
    try:
        threading.stack_size(stack_bytes)
        thread.start()
    finally:
        threading.stack_size(previous)


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
        previous_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
        try:
            try:
                start_with_stack(thread, STACK_BYTES)
            except (ValueError, RuntimeError):  # no big stacks (or threads) here
                started = False
            else:
                started = True
            if started:
                thread.join()
        finally:
            sys.setrecursionlimit(previous_limit)
    if not started:
        return func()
    if failure:
        raise failure[0]
    return outcome[0]
