"""The event-loop conflicts loopsafe recognises in error messages, in one place: the
pytest plugin records them at run time, the report groups them by kind.

Standard library only, and nothing from the analyser: the pytest plugin imports it.
"""

from __future__ import annotations

import re

# RuntimeError messages of loop conflicts (besides run_sync's refusal, below).
PHRASES = (
    "cannot be called from a running event loop",  # asyncio.run() / Runner.run()
    "There is no current event loop",
    "attached to a different loop",
    "bound to a different event loop",  # asyncio.Lock, Queue, Event... used on a second loop
    "Event loop is closed",
    "This event loop is already running",
    "Cannot run the event loop while another loop is running",
)
# ValueError: ensure_future(), gather(), run_until_complete() given a future of another loop.
VALUE_ERROR_PHRASES = ("belongs to a different loop",)
# Conflicts that mean an object outlived the loop it was made on.
STALE_LOOP = ("attached to a different loop", "bound to a different event loop")
# loopsafe.run_sync's refusal (loopsafe/runtime/_core.py), which names its caller.
RUN_SYNC_REFUSAL = re.compile(
    r"run_sync\(.*?\) was called at (?P<path>.+?):(?P<line>\d+) while an event loop is running",
    re.S,
)
_CALLER = re.compile(r"([\w.]+\(\) )cannot be called from a running event loop")


def is_run_sync_refusal(text: str) -> bool:
    return "run_sync(" in text and "while an event loop is running" in text


def mentions_conflict(text: str) -> bool:
    """Whether a message quotes a loop conflict."""
    return is_run_sync_refusal(text) or any(
        phrase in text for phrase in (*PHRASES, *VALUE_ERROR_PHRASES)
    )


def conflict_label(text: str) -> str:
    """What kind of conflict an error message reports, for grouping ("" when none)."""
    if is_run_sync_refusal(text):
        return "run_sync() called while an event loop is running"
    caller = _CALLER.search(text)
    if caller:
        return caller.group(0)
    return next((p for p in (*PHRASES, *VALUE_ERROR_PHRASES) if p in text), "")
