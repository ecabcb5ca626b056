"""`--format json`: the machine contract from SPEC.md, version 1.

Every site is listed, `ok` ones included, whatever `--show-ok` says: scripts filter on
`action` themselves. The shape is pinned by `schema/loopsafe-check.schema.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loopsafe.model import Finding, ParseError, Result
from loopsafe.output._common import sorted_findings, sorted_parse_errors

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema") / "loopsafe-check.schema.json"


def render(result: Result, *, show_ok: bool, statistics: bool = False) -> str:
    """`show_ok` and `statistics` are accepted for a uniform signature and ignored."""
    del show_ok, statistics
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False)


def to_dict(result: Result) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "files_scanned": result.files_scanned,
        "parse_errors": [_parse_error(e) for e in sorted_parse_errors(result.parse_errors)],
        "findings": [finding_dict(f) for f in sorted_findings(result.findings)],
    }


def _parse_error(error: ParseError) -> dict[str, Any]:
    return {"path": error.path, "line": error.line, "message": error.message}


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as the SPEC's JSON has it."""
    return {
        "path": finding.path,
        "line": finding.line,
        "col": finding.col,
        "end_line": finding.end_line,
        "end_col": finding.end_col,
        "code": finding.code,
        "rule": finding.rule,
        "category": finding.category.value,
        "action": finding.action.value,
        "message": finding.message,
        "fix": {"safety": finding.fix.safety.value, "replacement": finding.fix.replacement},
        "function": finding.function,
        "call_path": list(finding.call_path),
    }
