"""The oldest and newest Python a project supports, from its packaging metadata (read as
text), or the target version set by the user.

Some fixes are only behaviour-preserving from a given Python on: where the metadata does not
say, the oldest Python loopsafe itself supports is assumed, never a newer one. What breaks on
upgrade is judged on the newest Python the project admits, up to the newest CPython released.
"""

from __future__ import annotations

import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

OLDEST = (3, 10)  # what a project that does not say may still run on (loopsafe's own floor)
NEWEST_RELEASED = (3, 15)  # CPython 3.15.0: 2026-10 (PEP 790)
_TARGET = re.compile(r"py3(\d{1,2})")  # ruff's spelling: py310, py314
_LOWER = re.compile(r"(?:>=|~=|\^|==|===|~)\s*3\.(\d+)")
_CFG = re.compile(r"(?m)^\s*python_requires\s*=\s*(.+)$")
_SETUP_PY = re.compile(r"""python_requires\s*=\s*["']([^"']+)["']""")


# PEP 723 inline script metadata: a single file that says what it runs on.
_SCRIPT_BLOCK = re.compile(r"(?ms)^# /// script\s*$(?P<body>.*?)^# ///\s*$")


def _script_metadata(text: str) -> list[tuple[str, str]] | None:
    """A PEP 723 `# /// script` block as a pyproject.toml text, if the file has one."""
    match = _SCRIPT_BLOCK.search(text)
    if match is None:
        return None
    body = "\n".join(
        line[2:] if line.startswith("# ") else line[1:] for line in match.group("body").splitlines()
    )
    return [("pyproject.toml", "[project]\n" + body)]


def script_minimum_python(text: str) -> tuple[int, int] | None:
    """The lowest Python a PEP 723 `# /// script` block's `requires-python` admits."""
    metadata = _script_metadata(text)
    return minimum_python(metadata) if metadata else None


def script_maximum_python(text: str) -> tuple[int, int] | None:
    """The newest Python a PEP 723 block admits (None: the file has no block)."""
    metadata = _script_metadata(text)
    return maximum_python(metadata) if metadata else None


def minimum_python(texts: list[tuple[str, str]]) -> tuple[int, int] | None:
    """The lowest `3.x` the project's `requires-python` (or `python_requires`, Poetry's
    `python`) admits; None when none of `texts` ((file name, text)) says."""
    for name, text in texts:
        spec = _spec(name, text)
        if spec is None:
            continue
        found = [int(m.group(1)) for m in _LOWER.finditer(spec)]
        if found:
            return (3, min(found))
    return None


def _spec(name: str, text: str) -> str | None:
    if name.endswith("pyproject.toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        project = data.get("project", {})
        if isinstance(project, dict) and isinstance(project.get("requires-python"), str):
            return str(project["requires-python"])
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        if isinstance(poetry, dict) and isinstance(poetry.get("python"), str):
            return str(poetry["python"])
        return None
    pattern = (
        _CFG if name.endswith("setup.cfg") else _SETUP_PY if name.endswith("setup.py") else None
    )
    match = pattern.search(text) if pattern else None
    return match.group(1) if match else None


def parse_target(value: str) -> tuple[int, int] | None:
    """`py314` -> (3, 14); None when it is not ruff's spelling of a Python 3 version."""
    match = _TARGET.fullmatch(value.strip().lower())
    return (3, int(match.group(1))) if match else None


def target_text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def maximum_python(texts: list[tuple[str, str]]) -> tuple[int, int]:
    """The newest Python the project's `requires-python` admits, at most the newest
    CPython released (also when nothing says)."""
    for name, text in texts:
        spec = _spec(name, text)
        if spec is None:
            continue
        return min(_upper(spec) or NEWEST_RELEASED, NEWEST_RELEASED)
    return NEWEST_RELEASED


def _upper(spec: str) -> tuple[int, int] | None:
    bounds: list[tuple[int, int]] = []
    for clause in spec.split(","):
        clause = clause.strip()
        found = re.match(r"(<=|<|==|===|~)\s*3\.(\d+)(\.\*|\.\d+)?", clause)
        if not found:
            continue
        op, minor = found.group(1), int(found.group(2))
        if op == "<":
            # `<3.13` admits no 3.13; `<3.13.2` admits 3.13.0 and 3.13.1.
            patch = found.group(3)
            bounds.append((3, minor - 1) if not patch or patch == ".0" else (3, minor))
        else:
            bounds.append((3, minor))
    return min(bounds) if bounds else None
