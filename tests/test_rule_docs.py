"""Rule documentation: the catalogue's contents, its rendering, and its examples.

The example tests (`test_invalid_example_raises_rule` / `test_valid_example_does_not`)
run the real analyser on every Fixit-style example; everything else here is independent
of the analyser.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from loopsafe.model import Action, FixSafety, Result
from loopsafe.rules.registry import Rule as RuleDoc
from loopsafe.rules.registry import all_rules, get_rule
from loopsafe.rules.render import code_language, example_filename, render_all, render_rule

REPO_ROOT = Path(__file__).resolve().parents[1]
RULES_MD = REPO_ROOT / "docs" / "rules.md"

# The contract: codes and names from SPEC.md / docs/classification.md, never renamed.
NAMES = {
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
# Section 7 of docs/classification.md (action) and its fix-safety paragraph.
ACTIONS = {
    "LS000": Action.FIX, "LS100": Action.OK, "LS106": Action.REVIEW, "LS202": Action.REVIEW,
    "LS203": Action.REVIEW, "LS204": Action.REVIEW, "LS302": Action.REVIEW,
}  # fmt: skip
SAFE = {"LS101", "LS102", "LS104", "LS201", "LS304"}
UNSAFE = {"LS103", "LS105", "LS301", "LS303"}
# What no single module can demonstrate (see the docstring of loopsafe.rules.docs);
# tests/cases/ covers it.
NO_INVALID_EXAMPLE = {"LS106"}
NO_VALID_EXAMPLE = {"LS302"}


def test_every_code_registered_with_its_name() -> None:
    rules = all_rules()
    assert {r.code: r.name for r in rules} == NAMES
    assert [r.code for r in rules] == sorted(NAMES)
    for code, name in NAMES.items():
        doc = get_rule(code.lower())
        assert doc is not None and doc.name == name


def test_actions_and_fix_safety_follow_the_contract() -> None:
    for doc in all_rules():
        assert doc.default_action is ACTIONS.get(doc.code, Action.FIX), doc.code
        expected = (
            FixSafety.SAFE
            if doc.code in SAFE
            else FixSafety.UNSAFE
            if doc.code in UNSAFE
            else FixSafety.NONE
        )
        assert doc.fix_safety is expected, doc.code


@pytest.mark.parametrize("doc", all_rules(), ids=lambda d: d.code)
def test_doc_sections_written(doc: RuleDoc) -> None:
    for field in ("summary", "what_it_does", "why_bad", "example", "fix_notes"):
        assert getattr(doc, field).strip(), f"{doc.code}.{field} is empty"
    assert "\n" not in doc.summary
    if doc.code != "LS100":  # an accepted site has nothing to use instead
        assert doc.use_instead.strip()
    assert bool(doc.invalid) is (doc.code not in NO_INVALID_EXAMPLE), doc.code
    assert bool(doc.valid) is (doc.code not in NO_VALID_EXAMPLE), doc.code


def _python_snippets(doc: RuleDoc) -> list[str]:
    return [s for s in (doc.example, doc.use_instead) if s and code_language(s) == "python"]


@pytest.mark.parametrize("doc", all_rules(), ids=lambda d: d.code)
def test_examples_are_python_that_parses(doc: RuleDoc) -> None:
    broken = {doc.example, *doc.invalid} if doc.code == "LS000" else set()
    for source in [*_python_snippets(doc), *doc.invalid, *doc.valid]:
        if source in broken:
            with pytest.raises(SyntaxError):
                ast.parse(source)
        else:
            ast.parse(source)
    for source in (*doc.invalid, *doc.valid):
        assert source.endswith("\n") and not source.startswith("\n")
        assert example_filename(source).endswith(".py")


def test_example_filename_and_language() -> None:
    assert example_filename("import asyncio\n") == "example.py"
    assert example_filename("# conftest.py\nimport pytest\n") == "conftest.py"
    assert example_filename("# tests/test_a.py\n") == "tests/test_a.py"
    assert example_filename("# settings.py, imported by the app\n") == "example.py"
    assert code_language("# pyproject.toml\n[tool.pytest.ini_options]\n") == "toml"
    assert code_language("# pytest.ini\n[pytest]\n") == "ini"
    assert code_language("# conftest.py\n") == "python"
    assert code_language("x = 1\n") == "python"


@pytest.mark.parametrize("doc", all_rules(), ids=lambda d: d.code)
def test_render_rule_text_and_markdown(doc: RuleDoc) -> None:
    text = render_rule(doc, "text")
    assert text.splitlines()[0] == f"{doc.code} {doc.name}"
    assert doc.why_bad in text and doc.fix_notes in text
    for line in doc.example.strip("\n").splitlines():
        assert ("    " + line).rstrip() in text.splitlines()
    assert "```" not in text

    md = render_rule(doc, "markdown")
    assert md.startswith(f"## {doc.code} {doc.name}\n")
    for heading in ("What it does", "Why is this bad?", "Example", "Fix safety"):
        assert f"\n### {heading}\n" in md
    assert ("\n### Use instead\n" in md) == bool(doc.use_instead.strip())
    assert f"```{code_language(doc.example)}\n{doc.example.strip(chr(10))}\n```" in md
    assert md.count("```") % 2 == 0
    assert not md.endswith("\n") and not text.endswith("\n")


def test_render_rejects_unknown_format() -> None:
    doc = all_rules()[0]
    with pytest.raises(ValueError, match="unknown rule format"):
        render_rule(doc, "html")
    with pytest.raises(ValueError, match="unknown rule format"):
        render_all("html")


def test_render_all_lists_every_rule_in_order() -> None:
    for fmt, pattern in (("markdown", r"^## (LS\d{3}) "), ("text", r"^(LS\d{3}) [a-z-]+$")):
        codes = re.findall(pattern, render_all(fmt), re.M)
        assert codes == sorted(NAMES), fmt


def _github_anchor(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def test_markdown_table_links_resolve() -> None:
    md = render_all("markdown")
    anchors = {_github_anchor(h) for h in re.findall(r"^## (.+)$", md, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", md)
    assert len(links) == len(NAMES)
    assert set(links) <= anchors


def test_committed_rules_md_is_generated() -> None:
    # Regenerate with `make docs` (the CLI prints render_all("markdown") plus a newline).
    assert RULES_MD.read_text(encoding="utf-8") == render_all("markdown") + "\n", (
        "docs/rules.md is stale: run `make docs`"
    )


def _examples(kind: str) -> list[tuple[str, str]]:
    return [
        pytest.param(doc.code, source, id=f"{doc.code}-{kind}-{i}")
        for doc in all_rules()
        for i, source in enumerate(getattr(doc, kind))
    ]


def _codes_for(source: str, tmp_path: Path) -> set[str]:
    from loopsafe.engine import analyse  # imported here: the engine lands separately

    target = tmp_path / example_filename(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    result = analyse([target], cwd=tmp_path)
    assert isinstance(result, Result)
    return {f.code for f in result.findings} | {e.code for e in result.parse_errors}


@pytest.mark.parametrize(("code", "source"), _examples("invalid"))
def test_invalid_example_raises_rule(code: str, source: str, tmp_path: Path) -> None:
    assert code in _codes_for(source, tmp_path)


@pytest.mark.parametrize(("code", "source"), _examples("valid"))
def test_valid_example_does_not(code: str, source: str, tmp_path: Path) -> None:
    assert code not in _codes_for(source, tmp_path)
