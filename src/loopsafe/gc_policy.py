"""When the cyclic garbage collector may walk the project model.

A run builds millions of objects that live to its end (facts, indexes, tables) and next
to no garbage cycles, so the analysis runs with the cyclic GC off. Turning it back on
costs one full collection that walks them all (about a second on 50,000 files). A
process that ends after its one command (the console script) freezes them instead:
later collections skip them, and they go with the process. A host that runs many
analyses (a test session, an editor) keeps the plain behaviour: its GC walks them again.
"""

from __future__ import annotations

import gc

_short_lived = False


def short_lived_process() -> None:
    """Called by the console script: this process ends after one command."""
    global _short_lived
    _short_lived = True


def resume(was_enabled: bool) -> None:
    """After a run with the GC off: back on if it was, past the run's objects if the
    process is short-lived."""
    if not was_enabled:
        return
    if _short_lived:
        gc.freeze()
    gc.enable()
