"""The oldest Python a project supports, from its packaging metadata (read as text).

Some fixes are only behaviour-preserving from a given Python on: where the metadata does not
say, the oldest Python loopsafe itself supports is assumed, never a newer one.
"""

from __future__ import annotations

import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

OLDEST = (3, 10)  # what a project that does not say may still run on (loopsafe's own floor)
_LOWER = re.compile(r"(?:>=|~=|\^|==|===|~)\s*3\.(\d+)")
_CFG = re.compile(r"(?m)^\s*python_requires\s*=\s*(.+)$")
_SETUP_PY = re.compile(r"""python_requires\s*=\s*["']([^"']+)["']""")


# PEP 723 inline script metadata: a single file that says what it runs on.
_SCRIPT_BLOCK = re.compile(r"(?ms)^# /// script\s*$(?P<body>.*?)^# ///\s*$")


def script_minimum_python(text: str) -> tuple[int, int] | None:
    """The lowest Python a PEP 723 `# /// script` block's `requires-python` admits."""
    match = _SCRIPT_BLOCK.search(text)
    if match is None:
        return None
    body = "\n".join(
        line[2:] if line.startswith("# ") else line[1:] for line in match.group("body").splitlines()
    )
    return minimum_python([("pyproject.toml", "[project]\n" + body)])


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
