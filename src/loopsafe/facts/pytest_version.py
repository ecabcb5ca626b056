"""Which pytest-asyncio the project uses: the one installed in its own environment, else
from its own files: a lock file's exact version, else an exact pin, else a range
(requirements files, pyproject.toml, setup.cfg, tox.ini) — the version installed next to
loopsafe when it satisfies every clause of the range (`>=0.24,<0.25`), else the range's
lower bound, else (an upper bound only) the newest release it allows — else the version
installed next to loopsafe. The version next to loopsafe stands in only when the project's
own environment was not found, and the messages then say it was assumed: results never
depend on where loopsafe is installed when the project's environment is known. Unknown
when none of these says.

What each version understands is in `pytest_asyncio_features`; the rules ask it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from loopsafe.discover.environment import (
    Environment,
    find_environment,
    installed_next_to_loopsafe,
)
from loopsafe.facts.pytest_asyncio_features import RELEASES, knows
from loopsafe.facts.pytest_asyncio_features import text as version_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NAME = r"pytest[-_.]asyncio"
_OP = r"(?:===|==|>=|<=|~=|!=|>|<|\^|~)"
_REQUIREMENT = re.compile(
    rf"(?im)^\s*[\"']?{_NAME}\s*(?:\[[^\]]*\])?\s*"
    rf"(?P<spec>{_OP}?\s*[0-9][0-9a-z.*]*(?:\s*,?\s*{_OP}\s*[0-9][0-9a-z.*]*)*)"
)
_CLAUSE = re.compile(rf"(?P<op>{_OP})?\s*(?P<version>[0-9][0-9a-z.*]*)")
_LOCK_ENTRY = re.compile(
    rf"(?ims)name\s*=\s*\"{_NAME}\"\s*\n\s*version\s*=\s*\"(?P<version>[0-9][0-9a-z.]*)\""
)
_LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock")


@dataclass(frozen=True)
class PytestAsyncio:
    version: tuple[int, ...]  # () when unknown
    source: str  # where it came from, for messages: "uv.lock", "installed", ...

    def knows(self, feature: str) -> bool:
        """Whether this version understands `feature` (a name from
        `pytest_asyncio_features`); False when the version is unknown."""
        return knows(self.version, feature)

    @property
    def text(self) -> str:
        return version_text(self.version)

    @property
    def uses(self) -> str:
        """For messages: `pytest-asyncio 0.24.0 (requirements.txt)`."""
        if not self.version:
            return f"pytest-asyncio (version unknown: {self.source})"
        return f"pytest-asyncio {self.text} ({self.source})"


def _parse(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def detect(
    files: list[tuple[str, str]],
    root: Path | None = None,
    environment: Environment | None = None,
) -> PytestAsyncio:
    """`files`: (relpath, text) of the project's packaging, requirements and lock files;
    `root`: the project directory, whose own virtual environment is looked at (directory
    names and METADATA only: nothing is imported); `environment`: what was found there
    already (the result cache's key holds it)."""
    for relpath, text in files:
        if PurePosixPath(relpath).name == "PKG-INFO":  # the project is pytest-asyncio
            name = re.search(r"(?m)^Name:\s*(\S+)", text)
            own = re.search(r"(?m)^Version:\s*(\S+)", text)
            if name and own and re.fullmatch(_NAME, name.group(1), re.I):
                return PytestAsyncio(_parse(own.group(1)), relpath)
    if environment is None and root is not None:
        environment = find_environment(root)
    if environment is not None and environment.project_pytest_asyncio is not None:
        found_there = environment.project_pytest_asyncio
        if _parse(found_there.version):
            return PytestAsyncio(_parse(found_there.version), found_there.where)
    for relpath, text in files:
        if PurePosixPath(relpath).name in _LOCK_FILES:
            found = _LOCK_ENTRY.search(text) or re.search(
                rf"(?i)\"{_NAME}\"\s*:\s*\{{[^}}]*\"version\"\s*:\s*\"==(?P<version>[0-9.]+)\"",
                text,
            )
            if found:
                return PytestAsyncio(_parse(found.group("version")), relpath)
    ranges: list[tuple[str, list[tuple[str, str]]]] = []
    for relpath, text in files:
        if PurePosixPath(relpath).name in _LOCK_FILES:
            continue
        for match in _REQUIREMENT.finditer(_requirement_text(relpath, text)):
            clauses = [
                (c.group("op") or "==", c.group("version")) for c in _CLAUSE.finditer(match["spec"])
            ]
            if not clauses:
                continue
            op, pinned = clauses[0]
            if len(clauses) == 1 and op in ("==", "===") and "*" not in pinned:
                return PytestAsyncio(_parse(pinned), relpath)
            ranges.append((relpath, clauses))
    if environment is not None and environment.project:
        # The project's environment lacks it: what loopsafe runs with says nothing.
        installed = PytestAsyncio((), f"not installed in {environment.project}")
    else:
        installed = _installed(environment)
    if ranges:
        relpath, clauses = ranges[0]
        if installed.version and _fits(installed.version, clauses):
            return PytestAsyncio(installed.version, f"{installed.source}; {relpath} allows it")
        # A range installs the newest release it allows; without an installed copy that
        # fits, its lower bound is what we know for sure (every release it allows has
        # what that one has), or with an upper bound only, the newest release below it.
        lower = [_parse(v.rstrip(".*")) for op, v in clauses if op in (">=", ">", "~=", "^", "~")]
        lower += [_parse(v.rstrip(".*")) for op, v in clauses if op == "==" and "*" in v]
        if any(lower):
            return PytestAsyncio(max(lower), relpath)
        allowed = [r for r in RELEASES if _fits(r, clauses)]
        if allowed:
            return PytestAsyncio(allowed[-1], f"{relpath}: the newest release it allows")
        return PytestAsyncio((), f"{relpath}: a range no known release satisfies")
    return installed


def _fits(version: tuple[int, ...], clauses: list[tuple[str, str]]) -> bool:
    """Whether `version` satisfies every (operator, version) clause of a specifier (PEP 440
    operators, and poetry's `^` and `~`)."""
    for op, text in clauses:
        if text.endswith("*"):  # ==0.23.* / !=0.23.*
            prefix = _parse(text.rstrip(".*"))
            same = version[: len(prefix)] == prefix
            if same != (op != "!="):
                return False
            continue
        bound = _parse(text)
        size = max(len(bound), len(version), 3)
        mine, other = _pad(version, size), _pad(bound, size)
        if op in ("~=", "^", "~"):
            if op == "~=":
                keep = max(len(bound) - 1, 1)
            elif op == "~":
                keep = min(len(bound), 2)
            else:  # ^: up to the first non-zero part
                keep = next((i + 1 for i, part in enumerate(bound) if part), len(bound))
            upper = list(bound[:keep])
            upper[-1] += 1
            if not (mine >= other and mine < _pad(tuple(upper), size)):
                return False
        elif not {
            "==": mine == other,
            "===": mine == other,
            "!=": mine != other,
            ">=": mine >= other,
            "<=": mine <= other,
            ">": mine > other,
            "<": mine < other,
        }[op]:
            return False
    return True


def _pad(version: tuple[int, ...], size: int) -> tuple[int, ...]:
    return version + (0,) * (size - len(version))


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


ASSUMED = "assumed: the one loopsafe runs with"


def _installed(environment: Environment | None = None) -> PytestAsyncio:
    """The version installed next to loopsafe: what stands in for the project's own
    environment when that was not found (the message says it was assumed)."""
    own = (
        environment.own_pytest_asyncio
        if environment is not None
        else installed_next_to_loopsafe("pytest_asyncio")
    )
    if own is None or not _parse(own.version):
        return PytestAsyncio((), "unknown")
    return PytestAsyncio(_parse(own.version), ASSUMED)
