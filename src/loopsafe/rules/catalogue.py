"""The rule catalogue: codes, names and the documentation each rule carries.

One `RuleDoc` per code is the single source for `loopsafe rule CODE`, `docs/rules.md`
and the doc-example tests (the `invalid` examples must raise the rule, the `valid` ones
must not), so docs and behaviour cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loopsafe.model import Action, FixSafety


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    summary: str
    default_action: Action
    fix_safety: FixSafety
    what_it_does: str
    why_bad: str
    example: str
    use_instead: str
    fix_notes: str
    # Self-contained modules: each `invalid` one must produce `code`, each `valid` one must not.
    invalid: tuple[str, ...] = field(default_factory=tuple)
    valid: tuple[str, ...] = field(default_factory=tuple)


RULES: dict[str, RuleDoc] = {}

# Stable codes and names; the docs for each live in `loopsafe.rules.docs`.
CODE_NAMES: dict[str, str] = {
    "LS000": "parse-error",
    "LS100": "loop-site-accepted",
    "LS101": "asyncio-run-in-coroutine",
    "LS102": "run-until-complete-in-coroutine",
    "LS103": "loop-entry-reachable-from-async",
    "LS104": "sync-wrapper",
    "LS105": "blocking-wait-in-coroutine",
    "LS106": "loop-entry-at-import",
    "LS201": "get-event-loop-in-coroutine",
    "LS202": "get-event-loop-in-sync-code",
    "LS203": "loop-not-closed",
    "LS204": "nest-asyncio-apply",
    "LS301": "event-loop-fixture-override",
    "LS302": "pytest-asyncio-config",
    "LS303": "sync-fixture-runs-loop",
    "LS304": "asyncio-mark-scope",
}


def register(doc: RuleDoc) -> RuleDoc:
    if doc.code in RULES:
        raise ValueError(f"duplicate rule code {doc.code}")
    RULES[doc.code] = doc
    return doc


def rule_name(code: str) -> str:
    return CODE_NAMES[code]


def all_rules() -> list[RuleDoc]:
    from loopsafe.rules import docs as _docs  # noqa: F401  (registers every rule)

    return sorted(RULES.values(), key=lambda r: r.code)


def get_rule(code: str) -> RuleDoc | None:
    all_rules()
    return RULES.get(code.upper())
