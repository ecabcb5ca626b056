"""loopsafe: make codebases safe for asyncio.

`from loopsafe import run_sync` loads only the stdlib-only runtime helper, never the
analyser; and the analyser (`loopsafe check`) never pays for importing asyncio, because
the helper is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "__version__",
    "call_reentrant",
    "current_loop",
    "enable_reentry",
    "is_reentrant",
    "require_running_loop",
    "run",
    "run_sync",
]
_RUNTIME_NAMES = frozenset(__all__) - {"__version__"}

if TYPE_CHECKING:
    from loopsafe.runtime import (
        call_reentrant,
        current_loop,
        enable_reentry,
        is_reentrant,
        require_running_loop,
        run,
        run_sync,
    )


def __getattr__(name: str) -> Any:
    if name in _RUNTIME_NAMES:
        from loopsafe import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'loopsafe' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext loopsafe``: later cells of a Jupyter kernel run in re-entrant tasks."""
    from loopsafe.runtime._ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext loopsafe``: the kernel's loop gets its previous task factory back."""
    from loopsafe.runtime._ipython import unload_ipython_extension as unload

    unload(ipython)
