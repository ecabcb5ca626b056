"""Which pytest-asyncio the project uses, from its own files: a lock file's exact version,
else an exact pin, else a range (requirements files, pyproject.toml, setup.cfg, tox.ini) —
the installed version when it fits the range, its lower bound when not — else the version
installed next to loopsafe.

Verdicts depend on it: `loop_scope=` exists from 0.24, the unset-default-scope warning
from 0.24, and the `event_loop` fixture is gone from 1.0.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NAME = r"pytest[-_.]asyncio"
_REQUIREMENT = re.compile(
    rf"(?im)^\s*[\"']?{_NAME}\s*(?:\[[^\]]*\])?\s*(?P<op>==|>=|~=|>|===|\^|~)?\s*(?P<version>[0-9][0-9a-z.*]*)"
)
_LOCK_ENTRY = re.compile(
    rf"(?ims)name\s*=\s*\"{_NAME}\"\s*\n\s*version\s*=\s*\"(?P<version>[0-9][0-9a-z.]*)\""
)
_LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock")


@dataclass(frozen=True)
class PytestAsyncio:
    version: tuple[int, ...]  # () when unknown
    source: str  # where it came from, for messages: "uv.lock", "installed", ...

    def at_least(self, *version: int) -> bool:
        """True when known to be at least `version`; also when unknown (assume current)."""
        return not self.version or self.version >= version

    def below(self, *version: int) -> bool:
        return bool(self.version) and self.version < version

    @property
    def text(self) -> str:
        return ".".join(str(part) for part in self.version) or "unknown"


def _parse(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def detect(files: list[tuple[str, str]], root: Path | None = None) -> PytestAsyncio:
    """`files`: (relpath, text) of the project's packaging, requirements and lock files;
    `root`: the project directory, whose own virtual environment is looked at (directory
    names only: nothing is imported)."""
    for relpath, text in files:
        if PurePosixPath(relpath).name == "PKG-INFO":  # the project is pytest-asyncio
            name = re.search(r"(?m)^Name:\s*(\S+)", text)
            own = re.search(r"(?m)^Version:\s*(\S+)", text)
            if name and own and re.fullmatch(_NAME, name.group(1), re.I):
                return PytestAsyncio(_parse(own.group(1)), relpath)
    if root is not None:
        for venv in (".venv", "venv", "env"):
            for info in sorted(
                root.glob(f"{venv}/lib/python3*/site-packages/pytest_asyncio-*.dist-info")
            ):
                version = _parse(
                    info.name.removeprefix("pytest_asyncio-").removesuffix(".dist-info")
                )
                if version:
                    return PytestAsyncio(version, f"{venv}/ ({info.name})")
    for relpath, text in files:
        if PurePosixPath(relpath).name in _LOCK_FILES:
            found = _LOCK_ENTRY.search(text) or re.search(
                rf"(?i)\"{_NAME}\"\s*:\s*\{{[^}}]*\"version\"\s*:\s*\"==(?P<version>[0-9.]+)\"",
                text,
            )
            if found:
                return PytestAsyncio(_parse(found.group("version")), relpath)
    ranges: list[tuple[str, tuple[int, ...]]] = []
    for relpath, text in files:
        if PurePosixPath(relpath).name in _LOCK_FILES:
            continue
        for match in _REQUIREMENT.finditer(_requirement_text(relpath, text)):
            version = _parse(match.group("version").rstrip(".*"))
            if not version:
                continue
            if match.group("op") in ("==", "==="):
                return PytestAsyncio(version, relpath)
            ranges.append((relpath, version))
    installed = _installed()
    if ranges:
        # A range (`>=0.23`) installs the newest release it allows: the installed version
        # tells which, when it fits; otherwise the range's lower bound is what we know.
        relpath, lower = ranges[0]
        if installed.version and installed.version >= lower:
            return PytestAsyncio(installed.version, f"installed; {relpath} allows it")
        return PytestAsyncio(lower, relpath)
    return installed


def _requirement_text(relpath: str, text: str) -> str:
    """Requirement strings of a file, one per line (TOML arrays and tables flattened)."""
    if not relpath.endswith(".toml"):
        return text
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text
    lines: list[str] = []

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, str):
            if re.fullmatch(_NAME, key, re.I):  # poetry: pytest-asyncio = "^0.23"
                lines.append(f"pytest-asyncio {value.lstrip('=')}")
            else:
                lines.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, dict):
            for sub_key, item in value.items():
                if isinstance(item, dict) and re.fullmatch(_NAME, sub_key, re.I):
                    lines.append(f"pytest-asyncio {item.get('version', '')}")
                else:
                    walk(item, sub_key)

    walk(data)
    return "\n".join(lines)


def _installed() -> PytestAsyncio:
    from importlib import metadata

    try:
        return PytestAsyncio(_parse(metadata.version("pytest-asyncio")), "installed")
    except metadata.PackageNotFoundError:
        return PytestAsyncio((), "unknown")
