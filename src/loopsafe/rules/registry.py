"""The rule registry: a rule is one class in one module of `loopsafe.rules.catalogue`.

A rule declares the typed site kinds it judges (and, for `SiteKind.CALL`, the APIs it
watches), returns the verdict for a site (code, action, message, and the fix it plans),
and carries its own documentation with examples whose exact findings are asserted by the
tests. Evaluation, the fixer, `loopsafe rule`, `docs/rules.md` and the tests all iterate
this one registry, so adding a rule is adding a module (and a case file).

Every site must be claimed by exactly one rule (`fallback` rules answer only when no other
rule does): an unclaimed or doubly claimed site is an error, never a silent verdict.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from textwrap import dedent
from typing import TYPE_CHECKING, ClassVar

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, Finding, Fix, FixSafety

if TYPE_CHECKING:
    from loopsafe.analysis import Project
    from loopsafe.facts.model import Site
    from loopsafe.rules.context import SiteContext

ACCEPTED = "LS100"


def doc(text: str) -> str:
    """A documentation paragraph: dedented, without the blank lines around it."""
    return dedent(text).strip("\n").rstrip()


def snippet(text: str) -> str:
    """A code example: dedented, ending with exactly one newline."""
    return doc(text) + "\n"


@dataclass(frozen=True)
class Verdict:
    """What a rule decides about one site, before it becomes a `Finding`."""

    code: str
    action: Action
    message: str
    fix: Fix = field(default_factory=Fix)


class Dismissed:
    """A rule's answer for a site that turns out not to be one (no finding at all)."""


DISMISSED = Dismissed()
Answer = Verdict | Dismissed | None


@dataclass(frozen=True)
class PythonChange:
    """How a Python release changes what a rule's sites do: the version that starts
    warning (None: no warning first), and the version from which the code no longer
    works (it raises, or the API is gone). The report's upgrade readiness uses it."""

    breaks: tuple[int, int]
    deprecated: tuple[int, int] | None = None
    how: str = "raises"  # how it breaks, e.g. "raises RuntimeError", "is removed"


class RuleError(Exception):
    """A site no rule claims, or that two rules claim: a bug in the catalogue."""


class Rule:
    """Base class of every rule. Subclasses set the class attributes and override `check`
    (site rules) or `project_findings` (rules about the project as a whole)."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]  # one line
    default_action: ClassVar[Action]
    fix_safety: ClassVar[FixSafety]  # the best fix it offers
    # The documentation, in ruff's order.
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[str]  # a snippet; `# expect:` comments label its findings
    use_instead: ClassVar[str] = ""
    fix_notes: ClassVar[str]
    # Self-contained modules analysed alone: each `invalid` one must produce this rule's
    # code, no `valid` one may; their `# expect:` comments list every finding exactly.
    invalid: ClassVar[tuple[str, ...]] = ()
    valid: ClassVar[tuple[str, ...]] = ()
    # Why a kind of example cannot be a single module, when it cannot (tests/cases has it).
    no_invalid_example: ClassVar[str] = ""
    no_valid_example: ClassVar[str] = ""
    # What the rule judges.
    kinds: ClassVar[frozenset[SiteKind]] = frozenset()
    calls: ClassVar[frozenset[str]] = frozenset()  # for SiteKind.CALL: watched APIs
    # Watched APIs whose calls are sites only when they pass one argument: API -> (its
    # keyword, its position or -1 when keyword-only). Other calls of them, and mentions
    # as values or imports, are no sites: `asyncio.sleep(loop=...)` is rare, `sleep` is not.
    call_arguments: ClassVar[Mapping[str, tuple[str, int]]] = {}
    fallback: ClassVar[bool] = False  # answers only for sites no other rule claims
    # Whether the verdict depends on where the site's code runs, which only its callers
    # tell. When it does not (a deprecated API is deprecated anywhere), the analysis does
    # not read more files to find the callers of the rule's `calls` sites; their category
    # is what the code read for other sites shows.
    traces_callers: ClassVar[bool] = True
    # Whether `check` reads `FileFacts.bound_names` for its `calls` sites. Counting the
    # bindings walks the whole module again, so the extractor does it only for files
    # holding a site of a rule that reads them.
    reads_bindings: ClassVar[bool] = True
    # For rules about APIs a Python release deprecates or removes: from which version
    # their sites stop working (None: the rule is about loops, not about versions).
    python_change: ClassVar[PythonChange | None] = None
    # The findings it may produce, as (code, category, action) (an accepted site is LS100
    # whichever rule judged it), and its rows of the generated classification table:
    # (site kinds, where the site is, code, action).
    outcomes: ClassVar[frozenset[tuple[str, Category, Action]]] = frozenset()
    table: ClassVar[tuple[tuple[str, str, str, str], ...]] = ()

    def check(self, ctx: SiteContext) -> Answer:
        """The verdict for a site of one of `kinds`; None when it is not this rule's."""
        return None

    def project_findings(self, project: Project) -> list[Finding]:
        """Findings about the project as a whole (its configuration), not about a site."""
        return []

    def claims(self, site: Site) -> bool:
        return site.kind in self.kinds and (
            site.kind is not SiteKind.CALL or site.target in self.calls
        )


@dataclass(frozen=True)
class Registry:
    rules: tuple[Rule, ...]

    @functools.cached_property
    def by_code(self) -> dict[str, Rule]:
        return {rule.code: rule for rule in self.rules}

    @functools.cached_property
    def _by_kind(self) -> dict[SiteKind, tuple[list[Rule], list[Rule]]]:
        table: dict[SiteKind, tuple[list[Rule], list[Rule]]] = {}
        for rule in self.rules:
            for kind in rule.kinds:
                primary, fallbacks = table.setdefault(kind, ([], []))
                (fallbacks if rule.fallback else primary).append(rule)
        return table

    def watched_calls(self) -> tuple[str, ...]:
        """Every API a rule watches, for the extractor (`SiteKind.CALL` sites)."""
        return tuple(sorted({name for rule in self.rules for name in rule.calls}))

    def watched_arguments(self) -> tuple[tuple[str, str, int], ...]:
        """(API, keyword, position) for the watched APIs only calls passing that argument
        of are sites of (`Rule.call_arguments`), for the extractor."""
        return tuple(
            sorted(
                (name, *spec) for rule in self.rules for name, spec in rule.call_arguments.items()
            )
        )

    def binding_calls(self) -> tuple[str, ...]:
        """Watched APIs whose rules read how often the module binds each name."""
        return tuple(sorted({n for rule in self.rules if rule.reads_bindings for n in rule.calls}))

    def untraced_calls(self) -> frozenset[str]:
        """Watched APIs whose sites no rule needs the callers of."""
        traced = {name for rule in self.rules if rule.traces_callers for name in rule.calls}
        return frozenset(self.watched_calls()) - traced

    def judge(self, ctx: SiteContext) -> tuple[Rule, Verdict] | None:
        """The one rule that claims the site, and its verdict (None: dismissed)."""
        site = ctx.site
        primary, fallbacks = self._by_kind.get(site.kind, ([], []))
        answers = [(rule, rule.check(ctx)) for rule in primary if rule.claims(site)]
        claimed = [(rule, answer) for rule, answer in answers if answer is not None]
        if not claimed:
            claimed = [
                (rule, answer)
                for rule in fallbacks
                if rule.claims(site) and (answer := rule.check(ctx)) is not None
            ]
        if len(claimed) != 1:
            where = f"{ctx.project.relpath(ctx.module)}:{site.line}"
            names = ", ".join(rule.code for rule, _ in claimed) or "no rule"
            raise RuleError(f"{names} claimed the {site.kind.value} site at {where}")
        rule, answer = claimed[0]
        if isinstance(answer, Dismissed):
            return None
        assert isinstance(answer, Verdict)
        return rule, answer

    def codes(self) -> list[str]:
        return sorted(self.by_code)


def _modules() -> list[str]:
    from loopsafe.rules import catalogue

    return sorted(info.name for info in pkgutil.iter_modules(catalogue.__path__))


def rule_codes() -> list[str]:
    """Every rule code, read from the catalogue's module names (`ls101_...`): cheap, as
    nothing is imported (the CLI checks `--select` with it on every run)."""
    return sorted(name.partition("_")[0].upper() for name in _modules())


def _discover() -> Iterable[Rule]:
    for name in _modules():
        module = importlib.import_module(f"loopsafe.rules.catalogue.{name}")
        found = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Rule)
            and value is not Rule
            and value.__module__ == module.__name__
        ]
        if len(found) != 1 or not name.startswith(found[0].code.lower() + "_"):
            raise RuleError(f"{module.__name__} must define one rule, whose code starts its name")
        yield found[0]()


@functools.cache
def registry() -> Registry:
    rules = sorted(_discover(), key=lambda rule: rule.code)
    codes = [rule.code for rule in rules]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise RuleError(f"rule code {duplicates[0]} is defined twice")
    return Registry(tuple(rules))


def produces(
    code: str, action: Action, *categories: Category
) -> frozenset[tuple[str, Category, Action]]:
    return frozenset((code, category, action) for category in categories)


def fixed_or_accepted_in_code(code: str) -> frozenset[tuple[str, Category, Action]]:
    """The outcomes of a rule about an API call that can sit in any code (never in the
    pytest configuration): its own code to fix, or LS100 accepted."""
    code_categories = [c for c in Category if c is not Category.PYTEST_CONFIG]
    return produces(code, Action.FIX, *code_categories) | produces(
        ACCEPTED, Action.OK, *code_categories
    )


def get_rule(code: str) -> Rule | None:
    return registry().by_code.get(code.upper())


def all_rules() -> list[Rule]:
    return list(registry().rules)


def rule_name(code: str) -> str:
    return registry().by_code[code].name


@functools.cache
def rule_summary(code: str) -> str | None:
    """The one-line summary of rule `code`, importing its module only: the concise output
    of a cached run needs no other rule (loading all of them costs ~0.3 s)."""
    for name in _modules():
        if name.partition("_")[0].upper() != code.upper():
            continue
        module = importlib.import_module(f"loopsafe.rules.catalogue.{name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                return value.summary
    return None
