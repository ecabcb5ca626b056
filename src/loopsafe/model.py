"""The vocabulary every stage shares: categories, actions, findings.

Kept free of heavy imports: everything downstream (rules, outputs, the report,
the fixer) speaks in these types, and the cache pickles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Category(str, Enum):
    """Where a site runs. Values are the SPEC's category names."""

    ASYNC_CONTEXT = "async-context"
    REACHABLE_FROM_ASYNC = "reachable-from-async"
    SYNC_WRAPPER = "sync-wrapper"
    ENTRYPOINT = "entrypoint"
    WORKER_TASK = "worker-task"
    THREAD = "thread"
    GUARDED = "guarded"
    TEST_CODE = "test-code"
    PYTEST_CONFIG = "pytest-config"
    MODULE_LEVEL = "module-level"


class Action(str, Enum):
    """What the user must do about a site."""

    FIX = "fix"
    REVIEW = "review"
    OK = "ok"


class FixSafety(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


@dataclass(frozen=True)
class Fix:
    """The fix a finding offers; `replacement` is the new source text of the site, if known."""

    safety: FixSafety = FixSafety.NONE
    replacement: str = ""


@dataclass(frozen=True)
class Finding:
    """One site, classified. Paths are project-relative with `/`; lines and columns 1-based."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    rule: str
    category: Category
    action: Action
    message: str
    fix: Fix = field(default_factory=Fix)
    function: str = ""
    call_path: tuple[str, ...] = ()

    @property
    def actionable(self) -> bool:
        return self.action is not Action.OK

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)


@dataclass(frozen=True)
class ParseError:
    """A file that could not be read or parsed (LS000). The scan goes on without it."""

    path: str
    line: int
    message: str
    code: str = "LS000"


@dataclass
class Result:
    """Everything one analysis run produced."""

    files_scanned: int = 0
    findings: list[Finding] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)

    @property
    def actionable(self) -> list[Finding]:
        return [f for f in self.findings if f.actionable]
