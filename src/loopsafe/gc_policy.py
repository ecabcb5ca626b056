"""When the cyclic garbage collector may walk the project model.

A run builds millions of objects that live to its end (facts, indexes, tables) and next
to no garbage cycles, so the analysis runs with the cyclic GC off. Turning it back on
costs one full collection that walks them all (about a second on 50,000 files). A
process that ends after its one command (the console script) freezes them instead:
later collections skip them, and they go with the process. Freeing them one by one
when the command returns cost another 0.4 s on 50,000 files, for memory the process
hands back at exit anyway: there, the run's objects are kept to the end (`resume`'s
`keep`). A host that runs many analyses (a test session, an editor) keeps the plain
behaviour: its GC walks them again and they are freed as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_short_lived = False


def short_lived_process() -> None:
    """Called by the console script: this process ends after one command."""
    global _short_lived
    _short_lived = True


def resume(was_enabled: bool, keep: object = None) -> None:
    """After a run with the GC off: back on if it was, past the run's objects if the
    process is short-lived, which then also keeps `keep` (and all it holds) to the end."""
    if not was_enabled:
        return
    if _short_lived:
        if keep is not None:
            _outlive(keep)
        gc.freeze()
    gc.enable()


def _outlive(keep: object) -> None:
    """Make `keep` live until the process ends, without a name that shutdown would clear:
    a list that holds itself is garbage only to the cyclic GC, which never looks at the
    frozen generation, so the interpreter exits without freeing it. Nothing in a run's
    objects needs freeing to be done right: files are written and closed explicitly, and
    the OS closes what is left open."""
    holder: list[object] = [keep]
    holder.append(holder)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cyclic GC off for a stretch that only builds long-lived objects and no cycles
    (the file list of a big project: its collections cost a quarter of the walk)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
