"""`--format github`: workflow commands that GitHub Actions turns into annotations.

Escaping follows @actions/core (`toCommandValue` / `escapeData` / `escapeProperty`):
the message escapes `%`, CR and LF; property values also escape `:` and `,`, which
would otherwise end the value.
"""

from __future__ import annotations

from loopsafe.model import Action, Finding, ParseError, Result
from loopsafe.output._common import LEVELS, sorted_parse_errors, visible_findings

# `note` is SARIF's word; the workflow command for it is `notice`.
_COMMANDS = {level: ("notice" if level == "note" else level) for level in LEVELS.values()}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: list[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{name} {props}::{escape_data(message)}"


def _finding(finding: Finding) -> str:
    properties = [
        ("file", finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.col)),
        ("endLine", str(max(finding.end_line, finding.line))),
        ("endColumn", str(finding.end_col)),
        ("title", finding.code),
    ]
    message = f"{finding.message} [{finding.category.value}]"
    if finding.call_path:
        message += "\nvia " + " -> ".join(finding.call_path)
    return _command(_COMMANDS[LEVELS[finding.action]], properties, message)


def _parse_error(error: ParseError) -> str:
    properties = [("file", error.path), ("line", str(max(error.line, 1))), ("title", error.code)]
    return _command(_COMMANDS[LEVELS[Action.FIX]], properties, error.message)


def render(result: Result, *, show_ok: bool, statistics: bool = False) -> str:
    """One annotation per line; `ok` sites become notices only with `show_ok`."""
    del statistics  # annotations have no summary form
    keyed = [(f.sort_key(), _finding(f)) for f in visible_findings(result, show_ok)]
    keyed.extend(
        ((e.path, max(e.line, 1), 1, e.code), _parse_error(e))
        for e in sorted_parse_errors(result.parse_errors)
    )
    keyed.sort(key=lambda item: item[0])
    return "\n".join(line for _, line in keyed)
