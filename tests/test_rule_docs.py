"""Rule documentation: the registry's contents, their rendering, and their examples.

Every Python snippet a rule carries (its `example`, `use_instead`, `invalid` and `valid`
modules) is analysed alone as a one-file project, and its findings must be exactly the
ones its `# expect:` comments list (the labels of tests/cases), so docs and behaviour
cannot drift apart. A snippet that does not parse must give one LS000 and nothing else.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from test_cases import parse_file

from loopsafe.facts.model import LoopApi, ScopeKind, Site, SiteKind
from loopsafe.model import Action, FixSafety, Result
from loopsafe.rules.registry import (
    Registry,
    Rule,
    RuleError,
    Verdict,
    all_rules,
    get_rule,
    registry,
)
from loopsafe.rules.render import (
    code_language,
    example_filename,
    render_all,
    render_rule,
    shown,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
RULES_MD = REPO_ROOT / "docs" / "rules.md"

# The contract: codes and names from SPEC.md and docs/classification.md, never renamed.
# (New rules need not be listed here: this guards the stable ones.)
CONTRACT = {
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
RULES = all_rules()
_SAFETY_ORDER = [FixSafety.NONE, FixSafety.UNSAFE, FixSafety.SAFE]


def test_contract_codes_keep_their_names() -> None:
    for code, name in CONTRACT.items():
        rule = get_rule(code.lower())
        assert rule is not None and rule.name == name, code
    assert [r.code for r in RULES] == sorted(r.code for r in RULES)


def test_codes_are_unique_and_named_like_ruff() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    for rule in RULES:
        assert re.fullmatch(r"LS\d{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_rule_produces_its_own_code_with_its_default_action(rule: Rule) -> None:
    own = {(code, action) for code, _, action in rule.outcomes if code == rule.code}
    if rule.code == "LS000":  # not a site: parse errors are reported on their own
        assert not own and not rule.kinds
        return
    assert own == {(rule.code, rule.default_action)}
    assert rule.table, "every rule has a row in the verdicts table"
    assert (rule.fix_safety is FixSafety.NONE) == (rule.default_action is not Action.FIX)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_sections_written(rule: Rule) -> None:
    for field in ("summary", "what_it_does", "why_bad", "example", "fix_notes"):
        assert getattr(rule, field).strip(), f"{rule.code}.{field} is empty"
    assert "\n" not in rule.summary
    if rule.code != "LS100":  # an accepted site has nothing to use instead
        assert rule.use_instead.strip()
    assert bool(rule.invalid) != bool(rule.no_invalid_example), rule.code
    assert bool(rule.valid) != bool(rule.no_valid_example), rule.code


def _snippets(rule: Rule) -> list[tuple[str, str]]:
    out = [("example", rule.example), ("use_instead", rule.use_instead)]
    out += [(f"invalid{i}", s) for i, s in enumerate(rule.invalid)]
    out += [(f"valid{i}", s) for i, s in enumerate(rule.valid)]
    return [(kind, s) for kind, s in out if s.strip()]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_examples_are_python_that_parses(rule: Rule) -> None:
    for kind, source in _snippets(rule):
        if code_language(source) != "python":
            continue
        assert _parses(source) or rule.code == "LS000", f"{rule.code} {kind}"
    for source in (*rule.invalid, *rule.valid):
        assert source.endswith("\n") and not source.startswith("\n")
        assert example_filename(source).endswith(".py")


def test_example_filename_and_language() -> None:
    assert example_filename("import asyncio\n") == "example.py"
    assert example_filename("# conftest.py\nimport pytest\n") == "conftest.py"
    assert example_filename("# tests/test_a.py\n") == "tests/test_a.py"
    assert example_filename("# test_a.py  # expect: LS302 pytest-config review\n") == "test_a.py"
    assert example_filename("# settings.py, imported by the app\n") == "example.py"
    assert code_language("# pyproject.toml\n[tool.pytest.ini_options]\n") == "toml"
    assert code_language("# pytest.ini\n[pytest]\n") == "ini"
    assert code_language("# conftest.py\n") == "python"
    assert code_language("x = 1\n") == "python"


def test_rendered_snippets_leave_the_labels_out() -> None:
    source = "asyncio.run(main())  # LS100: why  # expect: LS100 entrypoint ok\n"
    assert shown(source) == "asyncio.run(main())  # LS100: why\n"
    for text in (render_all("markdown"), render_all("text")):
        assert "# expect:" not in text


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_render_rule_text_and_markdown(rule: Rule) -> None:
    text = render_rule(rule, "text")
    assert text.splitlines()[0] == f"{rule.code} {rule.name}"
    assert rule.why_bad in text and rule.fix_notes in text
    example = shown(rule.example)
    for line in example.strip("\n").splitlines():
        assert ("    " + line).rstrip() in text.splitlines()
    assert "```" not in text

    md = render_rule(rule, "markdown")
    assert md.startswith(f"## {rule.code} {rule.name}\n")
    for heading in ("What it does", "Why is this bad?", "Example", "Fix safety"):
        assert f"\n### {heading}\n" in md
    assert ("\n### Use instead\n" in md) == bool(rule.use_instead.strip())
    assert f"```{code_language(example)}\n{example.strip(chr(10))}\n```" in md
    assert md.count("```") % 2 == 0
    assert not md.endswith("\n") and not text.endswith("\n")


def test_render_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown rule format"):
        render_rule(RULES[0], "html")
    with pytest.raises(ValueError, match="unknown rule format"):
        render_all("html")


def test_render_all_lists_every_rule_in_order() -> None:
    codes = [r.code for r in RULES]
    for fmt, pattern in (("markdown", r"^## (LS\d{3}) "), ("text", r"^(LS\d{3}) [a-z-]+$")):
        assert re.findall(pattern, render_all(fmt), re.M) == codes, fmt


def test_the_verdicts_table_lists_every_row_of_every_rule() -> None:
    md = render_all("markdown")
    rows = [row for rule in RULES for row in rule.table]
    assert len(rows) >= len(RULES) - 1
    for kind, _where, code, action in rows:
        assert re.search(rf"^\| {re.escape(kind)} \| .* \| {code} \| {action} \|$", md, re.M)


def _github_anchor(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def test_markdown_table_links_resolve() -> None:
    md = render_all("markdown")
    anchors = {_github_anchor(h) for h in re.findall(r"^## (.+)$", md, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", md)
    assert len(links) == len(RULES)
    assert set(links) <= anchors


def test_committed_rules_md_is_generated() -> None:
    # Regenerate with `make docs` (the CLI prints render_all("markdown") plus a newline).
    assert RULES_MD.read_text(encoding="utf-8") == render_all("markdown") + "\n", (
        "docs/rules.md is stale: run `make docs`"
    )


def test_every_site_kind_is_judged_by_some_rule() -> None:
    judged = {kind for rule in RULES for kind in rule.kinds}
    # Calls of watched APIs are sites only when some rule watches one (and judges it).
    if not registry().watched_calls():
        judged.add(SiteKind.CALL)
    assert judged == set(SiteKind)
    watchers = [r for r in RULES if r.calls]
    assert all(SiteKind.CALL in r.kinds for r in watchers)


# --------------------------------------------------------------- the examples, analysed
def _analyse(source: str, tmp_path: Path) -> Result:
    from loopsafe.engine import analyse

    target = tmp_path / example_filename(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    return analyse([target], cwd=tmp_path, use_cache=False)


_EXAMPLES = [
    pytest.param(rule, kind, source, id=f"{rule.code}-{kind}")
    for rule in RULES
    for kind, source in _snippets(rule)
    if code_language(source) == "python"
]


@pytest.mark.parametrize(("rule", "kind", "source"), _EXAMPLES)
def test_example_findings_are_exactly_its_labels(
    rule: Rule, kind: str, source: str, tmp_path: Path
) -> None:
    result = _analyse(source, tmp_path)
    if not _parses(source):
        assert [e.code for e in result.parse_errors] == ["LS000"]
        assert result.findings == []
        return
    path = example_filename(source)
    expected, _ = parse_file(path, source)
    want = Counter((e.line, e.code, e.category, e.action) for e in expected)
    got = Counter((f.line, f.code, f.category.value, f.action.value) for f in result.findings)
    assert got == want, f"{rule.code} {kind}"
    codes = {code for _, code, _, _ in want}
    if kind.startswith("invalid"):
        assert rule.code in codes
    if kind.startswith("valid"):
        assert rule.code not in codes


@pytest.mark.parametrize("rule", [r for r in RULES if r.invalid], ids=lambda r: r.code)
def test_the_advertised_fix_safety_is_what_the_examples_get(rule: Rule, tmp_path: Path) -> None:
    """`fix_safety` is the best fix the rule offers: no finding of the rule gets a better
    one, and the invalid examples show it."""
    seen: list[FixSafety] = []
    for number, source in enumerate(rule.invalid):
        if not _parses(source):
            continue
        folder = tmp_path / str(number)
        folder.mkdir()
        result = _analyse(source, folder)
        seen += [f.fix.safety for f in result.findings if f.code == rule.code]
    order = _SAFETY_ORDER.index
    assert all(order(s) <= order(rule.fix_safety) for s in seen), (rule.code, seen)
    if rule.code != "LS000":
        assert rule.fix_safety in seen, (rule.code, seen)


class _Claims(Rule):
    code = "LS999"
    kinds = frozenset({SiteKind.PATCH})

    def check(self, ctx: Any) -> Verdict:
        return Verdict(self.code, Action.REVIEW, "claimed")


def _context(kind: SiteKind) -> Any:
    site = Site(kind, LoopApi.NEST_ASYNCIO_APPLY, 3, 1, 3, 9, "", ScopeKind.MODULE)
    project = SimpleNamespace(relpath=lambda module: f"{module}.py")
    return SimpleNamespace(site=site, project=project, module="app")


def test_the_registry_rejects_a_site_two_rules_claim() -> None:
    rules = Registry((*registry().rules, _Claims()))
    with pytest.raises(RuleError, match=r"LS204, LS999 claimed the patch site at app.py:3"):
        rules.judge(_context(SiteKind.PATCH))


def test_the_registry_rejects_a_site_no_rule_claims() -> None:
    rules = Registry(tuple(r for r in registry().rules if SiteKind.PATCH not in r.kinds))
    with pytest.raises(RuleError, match=r"no rule claimed the patch site at app.py:3"):
        rules.judge(_context(SiteKind.PATCH))
