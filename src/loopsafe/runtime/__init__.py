"""The loopsafe runtime helper: ``run_sync`` and ``require_running_loop``, and re-entrant
mode (``run``, ``enable_reentry``, ``call_reentrant``, ``is_reentrant``).

Standard library only, and nothing from the rest of loopsafe: fixed code imports this at run
time, and ``loopsafe vendor-helper`` copies ``_core.py`` (and ``_reentrant.py``, which
imports greenlet only when re-entry is asked for) into projects as a single file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._core import (
    LoopDeadlockError,
    RunningLoopWarning,
    current_loop,
    require_running_loop,
    run_sync,
)

__all__ = [
    "LoopDeadlockError",
    "RunningLoopWarning",
    "call_reentrant",
    "current_loop",
    "enable_reentry",
    "is_reentrant",
    "require_running_loop",
    "run",
    "run_sync",
]

if TYPE_CHECKING:
    from ._reentrant import call_reentrant, enable_reentry, is_reentrant, run

# Re-entrant mode loads on first use: `from loopsafe import run_sync` stays as lean as before.
_REENTRANT = frozenset({"call_reentrant", "enable_reentry", "is_reentrant", "run"})


def __getattr__(name: str) -> Any:
    if name in _REENTRANT:
        from . import _reentrant

        return getattr(_reentrant, name)
    raise AttributeError(f"module 'loopsafe.runtime' has no attribute {name!r}")
