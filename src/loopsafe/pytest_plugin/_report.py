"""The run's result: `.loopsafe/runtime.json` (SPEC, "pytest integration") and the summary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNTIME_FILE = Path(".loopsafe") / "runtime.json"
FORMAT_VERSION = 1


@dataclass
class RunResult:
    """Counts and conflicts of one process; workers' results are merged into the controller's."""

    total: int = 0
    failed: int = 0
    failed_by_loop_conflict: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def add_test(
        self, nodeid: str, failed: bool, conflicts: Iterable[tuple[str, str, int]]
    ) -> None:
        found = [_conflict(nodeid, failed, *record) for record in conflicts]
        self.total += 1
        self.failed += failed
        self.failed_by_loop_conflict += bool(failed and found)
        self.conflicts.extend(found)

    def add_collect_error(self, nodeid: str, conflicts: Iterable[tuple[str, str, int]]) -> None:
        """A module that failed to import because of a conflict: listed, not counted as a test."""
        self.conflicts.extend(_conflict(nodeid, True, *record) for record in conflicts)

    def to_payload(self) -> dict[str, Any]:
        """Plain data for xdist's workeroutput."""
        return {
            "total": self.total,
            "failed": self.failed,
            "failed_by_loop_conflict": self.failed_by_loop_conflict,
            "conflicts": self.conflicts,
        }

    def merge(self, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        self.total += int(payload.get("total", 0))
        self.failed += int(payload.get("failed", 0))
        self.failed_by_loop_conflict += int(payload.get("failed_by_loop_conflict", 0))
        self.conflicts.extend(c for c in payload.get("conflicts", ()) if isinstance(c, dict))

    def document(self) -> dict[str, Any]:
        conflicts = sorted(
            self.conflicts,
            key=lambda c: (c["test"], c["site"]["path"], c["site"]["line"], c["error"]),
        )
        return {
            "version": FORMAT_VERSION,
            "tests": {
                "total": self.total,
                "failed": self.failed,
                "failed_by_loop_conflict": self.failed_by_loop_conflict,
            },
            "conflicts": conflicts,
        }


def _conflict(nodeid: str, failed: bool, error: str, path: str, line: int) -> dict[str, Any]:
    return {
        "test": nodeid,
        "outcome": "failed" if failed else "passed",
        "error": error,
        "site": {"path": path, "line": line},
    }


def write_atomically(root: Path, data: dict[str, Any]) -> None:
    """`.loopsafe/runtime.json` under `root`, atomically, with a `.gitignore` beside it (as
    ruff and mypy keep their caches out of git); never through a symlinked `.loopsafe`."""
    import json  # only now: the run is over, and json drags in nothing pytest has not

    from loopsafe.untrusted import CacheDirectory

    place = CacheDirectory(root, root / RUNTIME_FILE.parent)
    try:
        place.write(
            ".gitignore", b"# Created by loopsafe automatically.\n*\n", mode=0o644, replace=False
        )
        place.write(RUNTIME_FILE.name, (json.dumps(data, indent=2) + "\n").encode(), mode=0o644)
    finally:
        place.close()


def summary_lines(document: dict[str, Any], width: int) -> list[str]:
    """The terminal summary: how many failing tests trace to how many sites, and a table."""
    conflicts: list[dict[str, Any]] = document["conflicts"]
    failing = [c for c in conflicts if c["outcome"] == "failed"]
    failing_tests = {c["test"] for c in failing}
    failing_sites = {_site(c) for c in failing}
    lines = [
        f"Loop conflicts: {len(failing_tests)} failing {_plural(len(failing_tests), 'test')} "
        f"trace to {len(failing_sites)} {_plural(len(failing_sites), 'site')}"
    ]
    swallowed = [c for c in conflicts if c["outcome"] == "passed"]
    if swallowed:
        tests = {c["test"] for c in swallowed}
        sites = {_site(c) for c in swallowed}
        lines.append(
            f"Caught and swallowed in {len(tests)} passing {_plural(len(tests), 'test')} "
            f"at {len(sites)} {_plural(len(sites), 'site')}"
        )
    if not conflicts:
        return lines
    rows: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for conflict in conflicts:
        key = (conflict["site"]["path"], conflict["site"]["line"], conflict["error"])
        rows.setdefault(key, []).append(conflict)
    ordered = sorted(rows.items(), key=_row_order)
    site_width = max(len("site"), *(len(f"{path}:{line}") for path, line, _ in rows))
    tests_width = max(len("tests"), *(len(_tests_cell(group)) for group in rows.values()))
    message_width = max(72, width - site_width - tests_width - 4)
    lines.append("")
    lines.append(f"{'site':<{site_width}}  {'tests':<{tests_width}}  message")
    for (path, line, error), group in ordered:
        site = f"{path}:{line}"
        lines.append(
            f"{site:<{site_width}}  {_tests_cell(group):<{tests_width}}  "
            f"{_shorten(error, message_width)}"
        )
        names = sorted({c["test"] for c in group})
        for name in names[:5]:
            lines.append(f"    {name}")
        if len(names) > 5:
            lines.append(f"    ... and {len(names) - 5} more")
    return lines


def _site(conflict: dict[str, Any]) -> str:
    return f"{conflict['site']['path']}:{conflict['site']['line']}"


def _tests_cell(group: list[dict[str, Any]]) -> str:
    failed = len({c["test"] for c in group if c["outcome"] == "failed"})
    passed = len({c["test"] for c in group if c["outcome"] == "passed"})
    parts = [f"{failed} failed"] if failed else []
    if passed:
        parts.append(f"{passed} passed")
    return ", ".join(parts)


def _row_order(
    item: tuple[tuple[str, int, str], list[dict[str, Any]]],
) -> tuple[int, str, int, str]:
    """Sites that fail the most tests first, then by file and line."""
    (path, line, error), group = item
    return (-len({c["test"] for c in group if c["outcome"] == "failed"}), path, line, error)


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 3)] + "..."


def safely(action: Callable[[], None]) -> str | None:
    """Run `action`; return a one-line reason if it failed (the run's outcome must not)."""
    try:
        action()
    except OSError as exc:
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
