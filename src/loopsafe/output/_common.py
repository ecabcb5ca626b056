"""Helpers every output format shares: ordering, filtering and counting.

Kept in one place so the formats cannot disagree about which findings are shown
or in what order they appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from loopsafe.model import Action, Finding, FixSafety, ParseError, Result

# SARIF / annotation level per action: `fix` must change (error), `review` needs a person
# (warning), `ok` is informational (note).
LEVELS: dict[Action, str] = {Action.FIX: "error", Action.REVIEW: "warning", Action.OK: "note"}


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def sorted_parse_errors(errors: Iterable[ParseError]) -> list[ParseError]:
    return sorted(errors, key=lambda e: (e.path, e.line, e.message))


def visible_findings(result: Result, show_ok: bool) -> list[Finding]:
    """The findings a human-facing format lists: `ok` ones only on request."""
    return sorted_findings(f for f in result.findings if show_ok or f.action is not Action.OK)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


@dataclass(frozen=True)
class Counts:
    fix: int
    review: int
    ok: int
    parse_errors: int
    safe_fixes: int
    unsafe_fixes: int

    @property
    def actionable(self) -> int:
        return self.fix + self.review + self.parse_errors


def count(result: Result) -> Counts:
    by_action = dict.fromkeys(Action, 0)
    safe = unsafe = 0
    for finding in result.findings:
        by_action[finding.action] += 1
        if finding.actionable:
            if finding.fix.safety is FixSafety.SAFE:
                safe += 1
            elif finding.fix.safety is FixSafety.UNSAFE:
                unsafe += 1
    return Counts(
        fix=by_action[Action.FIX],
        review=by_action[Action.REVIEW],
        ok=by_action[Action.OK],
        parse_errors=len(result.parse_errors),
        safe_fixes=safe,
        unsafe_fixes=unsafe,
    )
