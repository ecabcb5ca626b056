"""`--format json`: the machine contract from SPEC.md, version 1.

Every site is listed, `ok` ones included, whatever `--show-ok` says: scripts filter on
`action` themselves. The shape is pinned by `schema/loopsafe-check.schema.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loopsafe.model import Action, Finding, FixSafety, ParseError, Result
from loopsafe.output._common import sorted_findings, sorted_parse_errors

SCHEMA_VERSION = 1
PARSE_ERROR_CODE = "LS000"
SCHEMA_PATH = Path(__file__).with_name("schema") / "loopsafe-check.schema.json"


def render(result: Result, *, show_ok: bool, statistics: bool = False) -> str:
    """`show_ok` is accepted for a uniform signature and ignored: JSON lists every site.
    `statistics`: the counts per code instead of the findings (`statistics_dict`)."""
    del show_ok
    data = statistics_dict(result) if statistics else to_dict(result)
    return json.dumps(data, indent=2, ensure_ascii=False)


def to_dict(result: Result) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "files_scanned": result.files_scanned,
        "parse_errors": [_parse_error(e) for e in sorted_parse_errors(result.parse_errors)],
        "findings": [finding_dict(f) for f in sorted_findings(result.findings)],
    }


def statistics_dict(result: Result) -> dict[str, Any]:
    """`--statistics --format json`: how many sites each code has, `ok` ones included as
    in the findings list, most frequent first; each with its rule name, the count per
    action and how many have a safe fix. Schema: `schema/loopsafe-statistics.schema.json`."""
    rows: dict[str, dict[str, Any]] = {}
    for finding in result.findings:
        row = rows.setdefault(
            finding.code,
            {"rule": finding.rule, "count": 0, "actions": {}, "safe_fixes": 0},
        )
        row["count"] += 1
        row["actions"][finding.action.value] = row["actions"].get(finding.action.value, 0) + 1
        if finding.actionable and finding.fix.safety is FixSafety.SAFE:
            row["safe_fixes"] += 1
    if result.parse_errors:
        rows[PARSE_ERROR_CODE] = {
            "rule": "parse-error",
            "count": len(result.parse_errors),
            "actions": {Action.FIX.value: len(result.parse_errors)},
            "safe_fixes": 0,
        }
    ordered = sorted(rows.items(), key=lambda item: (-item[1]["count"], item[0]))
    return {
        "version": SCHEMA_VERSION,
        "files_scanned": result.files_scanned,
        "total": sum(row["count"] for row in rows.values()),
        "counts": {code: row["count"] for code, row in ordered},
        "codes": dict(ordered),
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
