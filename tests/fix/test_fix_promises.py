"""The fix a finding reports is the fix `loopsafe fix` makes: decided once, by the rule.

For every finding that must change, on every case project, the example project and every
rule's examples: a `safe` fix is applied by `fix`, an `unsafe` one by `fix --unsafe-fixes`
and only then, and a finding that reports no fix is skipped with the reason. A fix the
fixer could not make after all would be a rule promising what the code cannot do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_helpers import loopsafe, write
from test_cases import CASE_ROOTS, case_name, copy_case

from loopsafe.analysis import Analysis
from loopsafe.engine import analyse_project
from loopsafe.fix.apply import plan_fixes
from loopsafe.model import Action, FixSafety
from loopsafe.rules.registry import all_rules
from loopsafe.rules.render import code_language, example_filename

REPO = Path(__file__).resolve().parents[2]


def _check(analysis: Analysis, cwd: Path) -> None:
    findings = [f for f in analysis.result.findings if f.action is Action.FIX]
    for unsafe in (False, True):
        report = plan_fixes(analysis, unsafe=unsafe, cwd=cwd)
        fixed = {id(p.finding) for p in report.fixed}
        why = {id(p.finding): p.reason for p in report.skipped}
        for finding in findings:
            safety = finding.fix.safety
            promised = safety is FixSafety.SAFE or (unsafe and safety is FixSafety.UNSAFE)
            where = f"{finding.path}:{finding.line} {finding.code} ({safety.value})"
            assert (id(finding) in fixed) == promised, f"{where}: {why.get(id(finding))}"
            if safety is FixSafety.NONE:
                assert finding.fix.reason, f"{where} gives no fix and does not say why"
                assert why[id(finding)] == finding.fix.reason


@pytest.mark.parametrize("root", CASE_ROOTS, ids=[case_name(r) for r in CASE_ROOTS])
def test_cases_get_the_fixes_they_report(root: Path, tmp_path: Path) -> None:
    target = copy_case(root, tmp_path)
    _check(analyse_project([target], cwd=tmp_path, use_cache=False), tmp_path)


def test_the_example_project_gets_the_fixes_it_reports(tmp_path: Path) -> None:
    target = copy_case(REPO / "examples" / "newsroom", tmp_path)
    _check(analyse_project([target], cwd=tmp_path, use_cache=False), tmp_path)


_EXAMPLES = [
    pytest.param(source, id=f"{rule.code}-{kind}{i}")
    for rule in all_rules()
    for kind in ("invalid", "valid")
    for i, source in enumerate(getattr(rule, kind))
    if code_language(source) == "python"
]


@pytest.mark.parametrize("source", _EXAMPLES)
def test_rule_examples_get_the_fixes_they_report(source: str, tmp_path: Path) -> None:
    target = tmp_path / example_filename(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    _check(analyse_project([target], cwd=tmp_path, use_cache=False), tmp_path)


def test_check_counts_only_fixes_the_fixer_makes(tmp_path: Path) -> None:
    """A fix the rule plans but the fixer cannot make (here the loop lives on in the
    `with` that closes it) is shown by `check` as no fix, with the fixer's reason, and is
    not counted among the fixable findings."""
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["loopsafe"]\n',
            "lib/__init__.py": "",
            "lib/ping.py": """
                import asyncio
                import contextlib


                async def _ping():
                    return "pong"


                def ping():
                    with contextlib.closing(asyncio.new_event_loop()) as loop:
                        return loop.run_until_complete(_ping())


                def pong():
                    loop = asyncio.new_event_loop()
                    try:
                        return loop.run_until_complete(_ping())
                    finally:
                        loop.close()
                """,
        },
    )
    found = json.loads(loopsafe(tmp_path, "check", "--format", "json", "--no-cache").stdout)
    fixes = {f["line"]: f["fix"] for f in found["findings"] if f["code"] == "LS104"}
    assert fixes == {
        11: {"safety": "none", "replacement": ""},
        17: {"safety": "unsafe", "replacement": "run_sync(_ping(), fresh_loop=True)"},
    }
    text = loopsafe(tmp_path, "check", "--no-cache").stdout
    assert "1 finding with an unsafe fix" in text, text
    report = loopsafe(tmp_path, "check", "--diff", "--unsafe-fixes", "--no-cache")
    assert report.code == 1
    assert "Would fix 1 finding(s)" in report.stderr


def test_diff_exits_like_check(tmp_path: Path) -> None:
    """`check --diff` exits 1 while anything is left to do, even with nothing to write
    (a finding without a fix, one for review), and 0 only when `check` would."""
    write(
        tmp_path,
        {
            "app.py": """
                import asyncio


                def main():
                    loop = asyncio.new_event_loop()
                    loop.set_debug(True)
                """
        },
    )
    review_only = loopsafe(tmp_path, "check", "--diff", "--no-cache")
    assert (review_only.code, review_only.stdout) == (1, "")
    assert loopsafe(tmp_path, "check", "--no-cache").code == 1
    assert loopsafe(tmp_path, "check", "--diff", "--no-cache", "--exit-zero").code == 0
    write(tmp_path, {"app.py": "def main():\n    return 1\n"})
    assert loopsafe(tmp_path, "check", "--diff", "--no-cache").code == 0
