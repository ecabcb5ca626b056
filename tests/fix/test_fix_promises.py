"""The fix a finding reports is the fix `loopsafe fix` makes: decided once, by the rule.

For every finding that must change, on every case project, the example project and every
rule's examples: a `safe` fix is applied by `fix`, an `unsafe` one by `fix --unsafe-fixes`
and only then, and a finding that reports no fix is skipped with the reason. A fix the
fixer could not make after all would be a rule promising what the code cannot do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
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
