"""The prefilter (files without a trigger token are not parsed unless a call leads there)
and deferred bodies (functions without one are read only when needed) are optimisations:
the findings, with their fixes, are those of parsing everything in full."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cases import CASE_ROOTS, case_name, copy_case

from loopsafe.engine import analyse_project
from loopsafe.model import Finding

REPO = Path(__file__).resolve().parents[1]
ROOTS = [*CASE_ROOTS, REPO / "examples" / "newsroom"]


def _key(finding: Finding) -> tuple[object, ...]:
    fix = finding.fix
    return (finding, fix.safety, fix.replacement, fix.reason, fix.edits, fix.config)


@pytest.mark.parametrize("root", ROOTS, ids=[case_name(r) for r in ROOTS])
def test_optimised_and_eager_analyses_agree(root: Path, tmp_path: Path) -> None:
    target = copy_case(root, tmp_path)
    fast = analyse_project([target], cwd=tmp_path, use_cache=False)
    eager = analyse_project([target], cwd=tmp_path, use_cache=False, eager=True)
    assert [_key(f) for f in fast.result.findings] == [_key(f) for f in eager.result.findings]
    assert fast.result.parse_errors == eager.result.parse_errors
