"""`loopsafe rule`: one rule's documentation, every rule, and docs/rules.md kept equal to
what the command prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import REPO, invoke, spawn

from loopsafe.rules.registry import Rule, all_rules

SECTIONS = ["What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"]


def test_rule_prints_the_documentation(tmp_path: Path) -> None:
    run = invoke(["rule", "LS101"], tmp_path)
    assert run.code == 0 and run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0] == "LS101 asyncio-run-in-coroutine"
    positions = [lines.index(title) for title in SECTIONS]
    assert positions == sorted(positions)  # every section, in ruff's order
    for position in positions:
        assert set(lines[position + 1]) == {"-"}  # underlined
    assert "asyncio.run(" in run.stdout and "await " in run.stdout


def test_rule_code_is_case_insensitive(tmp_path: Path) -> None:
    assert invoke(["rule", "ls203"], tmp_path).stdout == invoke(["rule", "LS203"], tmp_path).stdout


@pytest.mark.parametrize("code", [rule.code for rule in all_rules()])
def test_every_rule_has_a_page(tmp_path: Path, code: str) -> None:
    run = invoke(["rule", code], tmp_path)
    assert run.code == 0
    assert run.stdout.startswith(f"{code} ")
    assert "What it does" in run.stdout


def test_rule_markdown(tmp_path: Path) -> None:
    run = invoke(["rule", "LS104", "--format", "markdown"], tmp_path)
    assert run.code == 0
    assert run.stdout.startswith("## LS104 sync-wrapper\n")
    assert "### What it does" in run.stdout and "```python" in run.stdout


def test_unknown_rule_exits_2_with_one_line(tmp_path: Path) -> None:
    spawn(["rule", "LS999"], tmp_path).assert_one_line_error("LS999", "unknown rule code")


def test_rule_without_a_code_exits_2_with_one_line(tmp_path: Path) -> None:
    spawn(["rule"], tmp_path).assert_one_line_error("rule code", "--all")


def test_all_rules_in_text(tmp_path: Path) -> None:
    run = invoke(["rule", "--all"], tmp_path)
    assert run.code == 0
    titles = re.findall(r"^(LS\d{3}) [a-z0-9-]+$", run.stdout, re.M)
    assert titles == [rule.code for rule in all_rules()]


def test_all_rules_in_markdown_equal_docs_rules_md(tmp_path: Path) -> None:
    run = invoke(["rule", "--all", "--format", "markdown"], tmp_path)
    assert run.code == 0
    expected = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert run.stdout.rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_by_name_is_the_rule_by_code(tmp_path: Path, rule: Rule) -> None:
    by_name = invoke(["rule", rule.name], tmp_path)
    assert by_name.code == 0
    assert by_name.stdout == invoke(["rule", rule.code], tmp_path).stdout


def test_unknown_name_suggests_the_closest(tmp_path: Path) -> None:
    run = spawn(["rule", "asyncio-run-in-coroutin"], tmp_path)
    run.assert_one_line_error("unknown rule", "asyncio-run-in-coroutin", "did you mean")
    assert "asyncio-run-in-coroutine" in run.stderr
    run = spawn(["rule", "LS1O1"], tmp_path)
    run.assert_one_line_error("did you mean LS101?")


def test_unknown_without_anything_close_has_no_suggestion(tmp_path: Path) -> None:
    run = spawn(["rule", "zzzz"], tmp_path)
    run.assert_one_line_error("unknown rule code or name 'zzzz'", "loopsafe rule --all")
    assert "did you mean" not in run.stderr
