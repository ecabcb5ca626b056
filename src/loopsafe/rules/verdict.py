"""What a rule decides about one site, before it becomes a `Finding`."""

from __future__ import annotations

from dataclasses import dataclass, field

from loopsafe.model import Action, Fix, FixSafety


@dataclass(frozen=True)
class Verdict:
    code: str
    action: Action
    message: str
    fix: Fix = field(default_factory=Fix)


def fix_of(replacement: str, safe: bool, unsafe_ok: bool = True) -> Fix:
    """A fix with `replacement` text; `safe` when it cannot change behaviour."""
    if not replacement:
        return Fix()
    if safe:
        return Fix(FixSafety.SAFE, replacement)
    return Fix(FixSafety.UNSAFE, replacement) if unsafe_ok else Fix()


ACCEPTED = "LS100"
