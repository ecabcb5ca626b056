"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Decisions (see also the comments at each place):

* `ok` findings are left out unless `--show-ok`. GitHub code scanning ignores
  `result.kind` and opens an alert for every result it receives, `kind: "pass"` ones
  included (microsoft/PSRule#955, github community discussion 65477), so marking
  accepted sites as passes would still bury the real alerts. With `--show-ok` they are
  written as ordinary `note` results, since asking for them means wanting to see them;
  they are not given `kind: "pass"` because SARIF requires `level: "none"` for any kind
  other than `fail` (3.27.9/3.27.10), and a `note` says better what they are.
* Parse errors (LS000) are results, not `toolExecutionNotifications`: a file loopsafe
  could not parse makes `check` exit 1, so it is as actionable as a finding, and GitHub
  shows results as alerts on the file while it shows nothing for notifications of
  third-party tools.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any
from urllib.parse import quote

from loopsafe import __version__
from loopsafe.fsnames import to_bytes
from loopsafe.model import Action, Finding, ParseError, Result
from loopsafe.output._common import LEVELS, sorted_parse_errors, visible_findings
from loopsafe.rules.registry import Rule, all_rules
from loopsafe.rules.render import render_rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/loopsafe/"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "loopsafeFindingHash/v1"
PARSE_ERROR_CODE = "LS000"


def render(result: Result, *, show_ok: bool, statistics: bool = False) -> str:
    del statistics  # SARIF always carries every result; there is no summary form
    return json.dumps(to_dict(result, show_ok=show_ok), indent=2, ensure_ascii=False)


def to_dict(result: Result, *, show_ok: bool) -> dict[str, Any]:
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    results: list[tuple[tuple[str, int, int, str], dict[str, Any]]] = []
    seen: Counter[tuple[str, ...]] = Counter()
    for finding in visible_findings(result, show_ok):
        results.append((finding.sort_key(), _finding_result(finding, index, seen)))
    for error in sorted_parse_errors(result.parse_errors):
        key = (error.path, max(error.line, 1), 1, error.code)
        results.append((key, _parse_error_result(error, index, seen)))
    results.sort(key=lambda item: item[0])
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "loopsafe",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                # libcst positions count characters, not UTF-16 units or bytes.
                "columnKind": "unicodeCodePoints",
                "results": [r for _, r in results],
            }
        ],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does, "markdown": rule.what_it_does},
        "help": {
            "text": render_rule(rule, "text"),
            "markdown": render_rule(rule, "markdown"),
        },
        "defaultConfiguration": {"level": LEVELS[rule.default_action]},
        "properties": {
            "tags": _tags(rule),
            "action": rule.default_action.value,
            "fix_safety": rule.fix_safety.value,
        },
    }


def _tags(rule: Rule) -> list[str]:
    tags = ["asyncio", "event-loop"]
    if rule.code.startswith("LS3"):
        tags.append("pytest")
    return tags


def _uri(path: str) -> str:
    # Relative URI reference against %SRCROOT%; keep `/` and escape spaces and the like.
    # Percent-encoded bytes (RFC 3986): a name that is not UTF-8 keeps its exact bytes.
    return quote(to_bytes(path.replace("\\", "/")), safe="/")


def _fingerprint(seen: Counter[tuple[str, ...]], *parts: str) -> dict[str, str]:
    """Identity that survives edits elsewhere in the file: no line numbers in it.

    Findings with the same code in the same function are told apart by their order.
    """
    seen[parts] += 1
    digest = hashlib.sha256(
        "\0".join([*parts, str(seen[parts])]).encode("utf-8", "surrogateescape")
    )
    return {FINGERPRINT_KEY: digest.hexdigest()}


def _region(finding: Finding) -> dict[str, int]:
    end_line = max(finding.end_line, finding.line)
    end_col = finding.end_col if end_line > finding.line else max(finding.end_col, finding.col)
    return {
        "startLine": finding.line,
        "startColumn": max(finding.col, 1),
        "endLine": end_line,
        # SARIF's endColumn is the column after the last character, as ruff's and ours are.
        "endColumn": max(end_col, 1),
    }


def _finding_result(
    finding: Finding, index: dict[str, int], seen: Counter[tuple[str, ...]]
) -> dict[str, Any]:
    message = finding.message
    if finding.call_path:
        message += f" Call path: {' -> '.join(finding.call_path)}."
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": SRCROOT},
            "region": _region(finding),
        }
    }
    if finding.function:
        location["logicalLocations"] = [
            {"fullyQualifiedName": finding.function, "kind": "function"}
        ]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.action],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": _fingerprint(seen, finding.code, finding.path, finding.function),
        "properties": {
            "category": finding.category.value,
            "action": finding.action.value,
            "call_path": list(finding.call_path),
            "function": finding.function,
            "fix": {"safety": finding.fix.safety.value, "replacement": finding.fix.replacement},
        },
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    return result


def _parse_error_result(
    error: ParseError, index: dict[str, int], seen: Counter[tuple[str, ...]]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": error.code,
        "level": LEVELS[Action.FIX],
        "message": {"text": error.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(error.path), "uriBaseId": SRCROOT},
                    "region": {"startLine": max(error.line, 1)},
                }
            }
        ],
        "partialFingerprints": _fingerprint(seen, error.code, error.path),
        "properties": {"action": Action.FIX.value},
    }
    if error.code in index:
        result["ruleIndex"] = index[error.code]
    return result
