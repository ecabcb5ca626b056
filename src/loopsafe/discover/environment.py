"""The Python environments a verdict can depend on: the project's own, and loopsafe's.

Some rules judge code by the pytest-asyncio release the project runs. The project's own
virtual environment says it best: `.venv/`, `venv/`, `env/` at the project root, an
activated `$VIRTUAL_ENV` or `$CONDA_PREFIX` that is not the environment loopsafe itself
runs in (as under pre-commit), or, not activated, poetry's, hatch's, tox's or conda's
(`tool_envs` says where each keeps it). When several are there, the first in that order is
used and messages name the others. Only when none is found does the release installed
next to loopsafe stand in, and the messages then say it was assumed. All are read from
directory names and `METADATA` files (never imported or run), and together they are part
of the result cache's key: installing pytest-asyncio after a run never leaves a stale
verdict.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from loopsafe.discover.tool_envs import IN_PROJECT, places, site_packages
from loopsafe.untrusted import read_regular

VENV_NAMES = IN_PROJECT
_NAMED_OTHERS = 3  # how many other environments found a message names
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
    label, others, site_dirs = _project_site_packages(root)
    installed = _find(site_dirs, "pytest_asyncio", label) if label else None
    if installed is not None and others:
        installed = Installed(installed.version, installed.where + others)
    return Environment(
        project=label + others,
        project_pytest_asyncio=installed,
        own_pytest_asyncio=installed_next_to_loopsafe("pytest_asyncio"),
        python=f"{sys.version_info[0]}.{sys.version_info[1]}",
    )


def installed_next_to_loopsafe(name: str) -> Installed | None:
    """`name` as the Python running loopsafe would import it (its sys.path)."""
    own_dirs = [Path(p) for p in sys.path if p and os.path.isdir(p)]
    return _find(own_dirs, name, "installed next to loopsafe")


def _project_site_packages(root: Path) -> tuple[str, str, list[Path]]:
    """The project's environment ("" when none), the others found (", chosen over
    .tox/py311/ (tox)", or "") and its site-packages directories."""
    found: list[tuple[str, list[Path]]] = []
    seen: set[str] = set()
    for place in places(root):
        if place.activated and (not place.path.is_dir() or _same(place.path, sys.prefix)):
            continue  # loopsafe's own environment says nothing about the project's
        site = site_packages(place.path)
        real = os.path.realpath(place.path)
        if site and real not in seen:
            seen.add(real)
            found.append((place.label, site))
    if not found:
        return "", "", []
    label, site = found[0]
    others = [other for other, _ in found[1:]]
    named = ""
    if others:
        named = ", chosen over " + ", ".join(others[:_NAMED_OTHERS])
        if len(others) > _NAMED_OTHERS:
            named += f" and {len(others) - _NAMED_OTHERS} more"
    return label, named, site


def _same(one: str | Path, other: str | Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


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
