"""Output of `loopsafe tests`: a table for people (rich on a terminal, plain text in pipes
and CI logs), and the JSON contract from SPEC.md for scripts.

The JSON shape is pinned by `schema/loopsafe-tests.schema.json`. `items` is an extension:
present only for files with a class or function that differs from the file.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loopsafe.fsnames import printable
from loopsafe.model import ParseError
from loopsafe.testsort.model import CATEGORIES, Category, FileResult, ItemResult

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema") / "loopsafe-tests.schema.json"
_STYLE = {Category.UNIT: "green", Category.INTEGRATION: "yellow", Category.E2E: "magenta"}


# --------------------------------------------------------------------------- JSON
def to_dict(files: Sequence[FileResult]) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, "files": [_file(f) for f in files]}


def render_json(files: Sequence[FileResult]) -> str:
    return json.dumps(to_dict(files), indent=2, ensure_ascii=False)


def _evidence(entries: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    return [{"line": line, "reason": reason} for line, reason in entries]


def _file(result: FileResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": result.path,
        "category": result.category.value,
        "evidence": _evidence(result.evidence),
        "markers": list(result.markers),
        "conflict": result.conflict,
    }
    if result.items:
        out["items"] = [_item(i) for i in result.items]
    return out


def _item(item: ItemResult) -> dict[str, Any]:
    return {
        "name": item.name,
        "category": item.category.value,
        "evidence": _evidence(item.evidence),
        "markers": list(item.markers),
        "conflict": item.conflict,
    }


# --------------------------------------------------------------------------- text
def _why(entries: Sequence[tuple[int, str]]) -> str:
    """The most telling entry (the first with a line that is not just a marker), and how
    many more."""
    telling = [e for e in entries if not e[1].startswith("marked `")]
    chosen = next((e for e in telling if e[0]), telling[0] if telling else entries[0])
    line, reason = chosen
    text = f"{line}: {reason}" if line else reason
    if len(entries) > 1:
        text += f" (+{len(entries) - 1} more)"
    return text


def _rows(files: Sequence[FileResult]) -> list[tuple[str, str, str, str, str]]:
    """(name, category, markers, why, kind) per row; kind: file, item or conflict."""
    rows: list[tuple[str, str, str, str, str]] = []
    for result in files:
        markers = ", ".join(result.markers) or "-"
        name = printable(result.path)  # as shown: a non-UTF-8 byte takes 4 columns (\\xNN)
        rows.append((name, result.category.value, markers, _why(result.evidence), "file"))
        for item in result.items:
            rows.append(
                (
                    f"  ::{item.name}",
                    item.category.value,
                    ", ".join(item.markers) or "-",
                    _why(item.evidence),
                    "item",
                )
            )
        for conflict in result.conflicts or ([result.conflict] if result.conflict else []):
            rows.append(("  conflict", "", "", conflict, "conflict"))
    return rows


def commands(files: Sequence[FileResult], paths: Sequence[str]) -> list[str]:
    """`pytest -m <category> [PATH...]` per category, aligned, with its file count."""
    suffix = "".join(f" {shlex.quote(p)}" for p in paths if p not in (".", "./"))
    lines = [
        (f"pytest -m {c.value}{suffix}", sum(1 for f in files if f.category is c))
        for c in CATEGORIES
    ]
    width = max(len(command) for command, _ in lines)
    return [f"  {command.ljust(width)}  # {_plural(n, 'file')}" for command, n in lines]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary(files: Sequence[FileResult], applied: bool) -> list[str]:
    counts = ", ".join(f"{sum(1 for f in files if f.category is c)} {c.value}" for c in CATEGORIES)
    conflicts = sum(1 for f in files if f.conflict)
    tests = sum(f.tests for f in files)
    line = f"{_plural(len(files), 'test file')} ({_plural(tests, 'test function')}): {counts}."
    if conflicts:
        line += f" {_plural(conflicts, 'file')} with a marker that contradicts the evidence."
    out = [line]
    unmarked = [f for f in files if f.declared is None]
    if unmarked and not applied:
        out.append(
            f"{_plural(len(unmarked), 'file')} without a category marker: "
            "`loopsafe tests --apply-markers` adds them, then:"
        )
    else:
        out.append("Run each category:")
    return out


def render_text(
    files: Sequence[FileResult],
    parse_errors: Sequence[ParseError],
    paths: Sequence[str],
    *,
    applied: bool,
    color: bool,
) -> str:
    if color:
        return _rich(files, parse_errors, paths, applied)
    rows = _rows(files)
    lines: list[str] = []
    if rows:
        header = ("FILE", "CATEGORY", "MARKERS", "EVIDENCE")
        widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(3)]
        cells = [h.ljust(w) for h, w in zip(header, widths, strict=False)]
        lines.append("  ".join([*cells, header[3]]))
        for name, category, markers, why, kind in rows:
            if kind == "conflict":
                lines.append(f"  conflict: {why}")
                continue
            row = (name.ljust(widths[0]), category.ljust(widths[1]), markers.ljust(widths[2]))
            lines.append("  ".join([*row, why]))
        lines.append("")
    for error in parse_errors:
        lines.append(
            f"{error.path}:{max(error.line, 1)}: could not parse, skipped: {error.message}"
        )
    if parse_errors:
        lines.append("")
    if not files:
        lines.append("No test files found.")
        return "\n".join(lines)
    lines.extend(summary(files, applied))
    lines.extend(commands(files, paths))
    return "\n".join(lines)


def _rich(
    files: Sequence[FileResult],
    parse_errors: Sequence[ParseError],
    paths: Sequence[str],
    applied: bool,
) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Colour was decided by the caller (`--color`, NO_COLOR, FORCE_COLOR, TERM=dumb): force
    # it here, whatever rich itself would detect.
    console = Console(
        record=True, force_terminal=True, no_color=False, color_system="standard", highlight=False
    )
    with console.capture() as capture:
        if files:
            table = Table(show_edge=False, pad_edge=False, header_style="bold")
            table.add_column("FILE", overflow="fold")
            table.add_column("CATEGORY", no_wrap=True)
            table.add_column("MARKERS")
            table.add_column("EVIDENCE", overflow="fold")
            for name, category, markers, why, kind in _rows(files):
                if kind == "conflict":
                    table.add_row("", "", "", Text(f"conflict: {why}", style="bold red"))
                    continue
                style = _STYLE.get(Category(category), "") if category else ""
                table.add_row(
                    Text(name, style="bold" if kind == "file" else "dim"),
                    Text(category, style=style),
                    Text(markers, style="dim"),
                    Text(why),
                )
            console.print(table)
            console.print()
        for error in parse_errors:
            console.print(
                Text(f"{error.path}:{max(error.line, 1)}: ", style="bold")
                + Text("could not parse, skipped: ", style="bold red")
                + Text(error.message)
            )
        if not files:
            console.print("No test files found.")
        else:
            for line in summary(files, applied):
                console.print(Text(line, style="bold"))
            for line in commands(files, paths):
                console.print(Text(line, style="cyan"))
    return capture.get().rstrip("\n")
