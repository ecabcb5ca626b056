"""Produce the standalone copy of the runtime helper that ``loopsafe vendor-helper`` writes.

Projects that do not want loopsafe as a run-time dependency vendor one file: the source of
``loopsafe.runtime._core`` (stdlib-only by contract) behind a header naming the release it
came from, with ``VENDORED_FROM`` set so code can tell the copy apart, followed by
re-entrant mode (``_reentrant.py`` from its marker line on: ``run``, ``enable_reentry``,
``call_reentrant``, ``is_reentrant``), which imports greenlet only when asked to re-enter and works without it.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

from loopsafe import __version__
from loopsafe.atomic import write_atomic

_MARKER = "VENDORED_FROM: str | None = None\n"
# Where the part of _reentrant.py that the vendored file carries begins.
REENTRANT_MARKER = "# ---- loopsafe re-entrant mode (vendored below the core) ----\n"
VENDORED_MODULE = "_loopsafe_runtime"  # what fixes write into a project that lacks loopsafe
# How a copy of the helper (vendored or loopsafe's own) is recognised: never analysed.
HELPER_MARK = re.compile(rb"(?m)^VENDORED_FROM: str \| None = ")


def is_own_runtime(data: bytes, path: str) -> bool:
    """Whether a file is loopsafe's own runtime, never analysed: a copy of the helper (it
    carries HELPER_MARK), or any module of a `loopsafe/runtime/` package whose `_core.py`
    does (loopsafe's installed runtime copied into a tree, whatever modules it has)."""
    # Plain substring tests first: this runs on every file of the tree.
    if b"VENDORED_FROM" in data and HELPER_MARK.search(data):
        return True
    if "runtime" not in path:
        return False
    folder = Path(path).parent
    if folder.name != "runtime" or folder.parent.name != "loopsafe":
        return False
    return _core_is_helper(str(folder))


@functools.lru_cache(maxsize=64)
def _core_is_helper(folder: str) -> bool:
    from loopsafe.untrusted import read_regular

    core = read_regular(Path(folder) / "_core.py", 16 * 1024 * 1024)
    return core is not None and HELPER_MARK.search(core) is not None


# Where no helper can be imported (a top-level module of a packaged project that does not
# depend on loopsafe), LS402's fix writes this function into the module itself. It is
# `current_loop()` of the runtime, standalone: the tests run it on every Python here.
INLINE_CURRENT_LOOP = "_loopsafe_current_loop"
INLINE_CURRENT_LOOP_SOURCE = f'''def {INLINE_CURRENT_LOOP}():
    """The loop `asyncio.get_event_loop()` gave before Python 3.14, on every version
    (written by loopsafe): the running loop, else the loop set for this thread, else a
    new loop set as the thread's current one, without 3.12's DeprecationWarning."""
    import asyncio
    import sys
    import warnings

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    try:
        if not (3, 12) <= sys.version_info < (3, 14):
            return asyncio.get_event_loop()
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            return asyncio.get_event_loop()
    except (RuntimeError, DeprecationWarning):
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop
'''


def vendored_location(module: str, relpath: str) -> tuple[str, str]:
    """Where fixes of file `relpath` (module `module`) import the vendored helper from, as
    (import spec "module:run_sync", relpath of the copy): once per top-level package, in
    it (`pkg/_loopsafe_runtime.py`), or next to a module that is in no package."""
    parts = module.split(".")
    directory = relpath.rpartition("/")[0]
    above = len(parts) - (0 if relpath.endswith("__init__.py") else 1) - 1
    if above < 0:  # a module of its own: the copy goes next to it
        spec = f"{VENDORED_MODULE}:run_sync"
    else:
        for _ in range(above):
            directory = directory.rpartition("/")[0]
        spec = f"{parts[0]}.{VENDORED_MODULE}:run_sync"
    path = f"{directory}/{VENDORED_MODULE}.py" if directory else f"{VENDORED_MODULE}.py"
    return spec, path


def vendored_source() -> str:
    """The text of the vendored helper module."""
    core = resources.files("loopsafe.runtime").joinpath("_core.py").read_text(encoding="utf-8")
    if core.count(_MARKER) != 1:  # pragma: no cover - guards against editing _core.py blindly
        raise RuntimeError("loopsafe.runtime._core lost its VENDORED_FROM marker line")
    core = core.replace(_MARKER, f'VENDORED_FROM: str | None = "loopsafe {__version__}"\n')
    reentrant = resources.files("loopsafe.runtime").joinpath("_reentrant.py")
    text = reentrant.read_text(encoding="utf-8")
    if text.count(REENTRANT_MARKER) != 1:  # pragma: no cover - guards against blind edits
        raise RuntimeError("loopsafe.runtime._reentrant lost its vendoring marker line")
    tail = text[text.index(REENTRANT_MARKER) :]
    core += f'\n\n__all__ += ["call_reentrant", "enable_reentry", "is_reentrant", "run"]\n\n{tail}'
    header = (
        f"# Vendored from loopsafe {__version__} (loopsafe.runtime) by `loopsafe vendor-helper`.\n"
        "# Standard library only; import `run_sync` and `require_running_loop` from this file.\n"
        "# With greenlet installed, `run` and `enable_reentry` make run_sync re-enter the loop.\n"
        "# Do not edit: regenerate with `loopsafe vendor-helper THIS_FILE.py --force`.\n"
        "# License: MIT (loopsafe).\n"
        "# ruff: noqa\n"  # generated code: keep the user's linters and formatters off it
        "# fmt: off\n"
    )
    return header + core


def write_vendored_helper(dest: Path, *, force: bool = False) -> None:
    """Write the helper to ``dest`` atomically; refuse to overwrite unless ``force``.

    Raises ``FileExistsError`` if ``dest`` exists and ``force`` is false, and
    ``FileNotFoundError`` if its directory does not exist.
    """
    dest = Path(dest)
    if dest.exists() and not force:
        raise FileExistsError(f"{dest} already exists; pass --force to overwrite it")
    if dest.is_dir():
        raise IsADirectoryError(f"{dest} is a directory; give the path of a .py file")
    parent = dest.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"directory {parent} does not exist")
    write_atomic(dest, vendored_source().encode("utf-8"))
