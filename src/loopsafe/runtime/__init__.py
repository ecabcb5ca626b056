"""The loopsafe runtime helper: ``run_sync`` and ``require_running_loop``.

Standard library only, and nothing from the rest of loopsafe: fixed code imports this at run
time, and ``loopsafe vendor-helper`` copies ``_core.py`` into projects as a single file.
"""

from __future__ import annotations

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
    "current_loop",
    "require_running_loop",
    "run_sync",
]
