"""The Python environments a verdict can depend on: the project's own, and loopsafe's.

Some rules judge code by the pytest-asyncio release the project runs. The project's own
virtual environment says it best (`.venv/`, `venv/`, `env/` at the project root, or the
activated `$VIRTUAL_ENV` when that is not the environment loopsafe itself runs in, as under
pre-commit); only when none is found does the release installed next to loopsafe stand in,
and the messages then say it was assumed. Both are read from directory names and
`METADATA` files (never imported), and together they are part of the result cache's key:
installing pytest-asyncio after a run never leaves a stale verdict.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from loopsafe.untrusted import read_regular

VENV_NAMES = (".venv", "venv", "env")
_VERSION = re.compile(rb"(?m)^Version:[ \t]*(\S+)")
_MAX_METADATA_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Installed:
    """A distribution found installed: its version text and where, for messages."""

    version: str
    where: str  # ".venv/ (pytest_asyncio-0.21.1.dist-info)"


@dataclass(frozen=True)
class Environment:
    """What the environments hold that verdicts use."""

    project: str  # the project's environment as found ("" when none): ".venv/"
    project_pytest_asyncio: Installed | None  # installed in it
    own_pytest_asyncio: Installed | None  # installed next to loopsafe (sys.path)
    python: str  # the Python running loopsafe ("3.11"): its stdlib module names

    def key(self) -> str:
        """Every fact above, for the result cache's key."""
        return repr(self)


def find_environment(root: Path) -> Environment:
    """The environments of the project at `root` and of loopsafe itself."""
    project, site_dirs = _project_site_packages(root)
    return Environment(
        project=project,
        project_pytest_asyncio=_find(site_dirs, "pytest_asyncio", project) if project else None,
        own_pytest_asyncio=installed_next_to_loopsafe("pytest_asyncio"),
        python=f"{sys.version_info[0]}.{sys.version_info[1]}",
    )


def installed_next_to_loopsafe(name: str) -> Installed | None:
    """`name` as the Python running loopsafe would import it (its sys.path)."""
    own_dirs = [Path(p) for p in sys.path if p and os.path.isdir(p)]
    return _find(own_dirs, name, "installed next to loopsafe")


def _project_site_packages(root: Path) -> tuple[str, list[Path]]:
    """The project's environment ("" when none) and its site-packages directories."""
    for name in VENV_NAMES:
        found = _site_packages(root / name)
        if found:
            return f"{name}/", found
    active = os.environ.get("VIRTUAL_ENV", "")
    if active and os.path.isdir(active) and not _same(active, sys.prefix):
        found = _site_packages(Path(active))
        if found:
            return f"{active} ($VIRTUAL_ENV)", found
    return "", []


def _same(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _site_packages(venv: Path) -> list[Path]:
    """site-packages of a virtual environment (POSIX and Windows layouts), sorted."""
    if not (venv / "pyvenv.cfg").is_file() and not (venv / "lib").is_dir():
        return []
    found: list[Path] = []
    for lib in ("lib", "lib64"):
        try:
            pythons = sorted(os.scandir(venv / lib), key=lambda e: e.name)
        except OSError:
            continue
        for entry in pythons:
            if entry.name.startswith("python3") and os.path.isdir(entry.path):
                site = Path(entry.path) / "site-packages"
                if site.is_dir() and site not in found:
                    found.append(site)
    windows = venv / "Lib" / "site-packages"
    if windows.is_dir() and not found:
        found.append(windows)
    return found


def _find(directories: list[Path], name: str, where: str) -> Installed | None:
    """`name` (its normalised file-name form) as installed in the first of `directories`
    that has it: the `Version:` of its METADATA, else the version its folder is named by."""
    prefix = f"{name}-"
    for directory in directories:
        try:
            entries = sorted(e.name for e in os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            stem = entry.removesuffix(".dist-info").removesuffix(".egg-info")
            if not entry.lower().startswith(prefix) or stem == entry:
                continue
            version = stem[len(prefix) :].partition("-")[0]  # egg-info: 0.21.1-py3.11
            metadata = read_regular(directory / entry / "METADATA", _MAX_METADATA_BYTES)
            if metadata is None:
                metadata = read_regular(directory / entry / "PKG-INFO", _MAX_METADATA_BYTES)
            found = _VERSION.search(metadata or b"")
            if found:
                version = found.group(1).decode("ascii", "replace")
            if version:
                return Installed(version, f"{where} ({entry})")
    return None
