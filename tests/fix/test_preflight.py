"""`fix.preflight` proves a loop drop lands only when the fixer really makes it.

`check` skips the LibCST trial for the edits the preflight proves, so a wrong proof would
make `check` promise a fix that `fix` then refuses. Each function below (hand-written
shapes, then generated ones) goes through both: the preflight's proof, and the fixer's
own codemod on the same edits. A proof must always mean the drop was made; the canonical
shapes must be proven (or the speed-up would be gone).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_cases import CASE_ROOTS, case_name, copy_case

from loopsafe import engine
from loopsafe.engine import analyse_project
from loopsafe.fix.preflight import proven_edits
from loopsafe.fix.transform import apply_ops
from loopsafe.model import Action, Category, Finding, Fix, FixSafety, Op, OpKind

REPO = Path(__file__).resolve().parents[2]
HEADER = (
    "import asyncio\nfrom asyncio import set_event_loop\n\n\nasync def work():\n    return 1\n\n\n"
)


def _ops(source: str, kind: OpKind = OpKind.DROP_LOOP) -> tuple[Op, list[Op]]:
    """The edits LS104's fix makes: the run rewritten, the loop dropped."""
    tree = ast.parse(source)
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "legacy")
    drop = Op(kind, func.lineno, 0, "loop")
    runs = [
        Op(
            OpKind.RUN_SYNC,
            node.lineno,
            node.col_offset + 1,
            "loopsafe:run_sync+fresh_loop",
            end_line=node.end_lineno or node.lineno,
            end_col=(node.end_col_offset or 0) + 1,
        )
        for node in ast.walk(func)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "run_until_complete"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "loop"
        and ast.unparse(node.args[0]) == "work()"
    ]
    return drop, [*runs, drop]


def _finding(ops: list[Op]) -> Finding:
    fix = Fix(FixSafety.UNSAFE, "run_sync(...)", edits=tuple(("m.py", op) for op in ops))
    return Finding(
        "m.py", 1, 1, 1, 2, "LS104", "sync-wrapper", Category.SYNC_WRAPPER, Action.FIX, "", fix
    )


def _verdicts(source: str, kind: OpKind = OpKind.DROP_LOOP) -> tuple[bool, bool]:
    """(proven by the preflight, made by the fixer)."""
    drop, ops = _ops(source, kind)
    proven = ("m.py", drop) in proven_edits([_finding(ops)], {"m.py": source})
    _, applied = apply_ops(source, ops)
    return proven, drop in applied


CANONICAL = [
    """
    def legacy():
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(work())
        finally:
            loop.close()
    """,
    """
    def legacy():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        result = loop.run_until_complete(work())  # the run
        loop.close()
        return result
    """,
    """
    class Client:
        def legacy(self, flag):
            loop = asyncio.new_event_loop()
            set_event_loop(loop)
            try:
                if flag:
                    return loop.run_until_complete(work())
                return 0
            finally:
                loop.close()
    """,
]

# Each keeps the name `loop` written somewhere the fixer does not remove.
REFUSED = [
    "loop = asyncio.new_event_loop(); x = 1\n    return loop.run_until_complete(work())",
    "loop = asyncio.new_event_loop()\n    print(loop)\n    return loop.run_until_complete(work())",
    "loop = asyncio.new_event_loop()\n    if x: loop.close()\n    return loop.run_until_complete(work())",
    "loop = asyncio.new_event_loop()\n    def inner():\n        return loop\n"
    "    return loop.run_until_complete(work())",
    "loop = asyncio.new_event_loop()\n    return loop.run_until_complete(loop.create_task(work()))",
    "loop: object = asyncio.new_event_loop()\n    return loop.run_until_complete(work())",
    "loop = asyncio.new_event_loop()\n    x.loop = 1\n    return loop.run_until_complete(work())",
    "loop = asyncio.new_event_loop()\n    f(loop=1)\n    return loop.run_until_complete(work())",
]


@pytest.mark.parametrize("body", CANONICAL)
def test_the_common_shapes_are_proven_and_the_fixer_agrees(body: str) -> None:
    source = HEADER + textwrap.dedent(body)
    assert _verdicts(source) == (True, True)


@pytest.mark.parametrize("body", REFUSED)
def test_a_name_left_behind_is_never_proven(body: str) -> None:
    source = HEADER + "def legacy(x, f):\n    " + body + "\n"
    assert _verdicts(source)[0] is False


def test_a_fetched_loop_needs_its_own_factory() -> None:
    body = CANONICAL[0].replace("new_event_loop", "get_event_loop")
    source = HEADER + textwrap.dedent(body)
    assert _verdicts(source, OpKind.DROP_FETCHED_LOOP) == (True, True)
    assert _verdicts(source, OpKind.DROP_LOOP)[0] is False


def test_another_fixs_edit_in_the_function_blocks_the_proof() -> None:
    source = HEADER + textwrap.dedent(CANONICAL[0])
    drop, ops = _ops(source)
    other = Op(OpKind.CURRENT_LOOP, drop.line + 1, 12, "loopsafe:current_loop")
    findings = [_finding(ops), _finding([other])]
    assert ("m.py", drop) not in proven_edits(findings, {"m.py": source})


_STATEMENTS = [
    "loop = asyncio.new_event_loop()",
    "loop = asyncio.get_event_loop()",
    "asyncio.set_event_loop(loop)",
    "set_event_loop(loop)",
    "asyncio.set_event_loop(None)",
    "asyncio.set_event_loop(loop=loop)",
    "loop.close()",
    "loop.close();",
    "loop.close()  # the loop goes",
    "# about the loop",
    "'''the loop'''",
    "return loop.run_until_complete(work())",
    "result = loop.run_until_complete(work())",
    "loop.run_until_complete(work()); x = 1",
    "result = loop.run_until_complete(loop.create_task(work()))",
    "loop.run_until_complete(other())",
    "if x: loop.close()",
    "if x:\n    loop.close()",
    "for _ in range(1):\n    loop.close()",
    "try:\n    pass\nfinally:\n    loop.close()",
    "try:\n    return loop.run_until_complete(work())\nfinally:\n    loop.close()",
    "with closing(asyncio.new_event_loop()) as loop:\n    pass",
    "loop, other = asyncio.new_event_loop(), 1",
    "loop: object = asyncio.new_event_loop()",
    "print(loop)",
    "x.loop = 1",
    "f(loop=1)",
    "f(lambda loop: 1)",
    "del loop",
    "def inner():\n    return loop",
    "class Inner:\n    loop = None",
    "x = 1",
    "pass",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    statements=st.lists(st.sampled_from(_STATEMENTS), min_size=1, max_size=7),
    method=st.booleans(),
    fetched=st.booleans(),
)
def test_a_proof_always_means_the_drop_is_made(
    statements: list[str], method: bool, fetched: bool
) -> None:
    body = textwrap.indent("\n".join(statements), "    ")
    func = f"def legacy(x, f, closing, other):\n{body}\n"
    if method:
        func = "class Client:\n" + textwrap.indent(func, "    ")
    source = HEADER + func
    try:
        compile(source, "m.py", "exec")
    except SyntaxError:
        assume(False)
    kind = OpKind.DROP_FETCHED_LOOP if fetched else OpKind.DROP_LOOP
    proven, made = _verdicts(source, kind)
    assert made or not proven, source


def _with_drops() -> list[Path]:
    """The case projects (and the example project) whose fixes drop a loop."""
    roots = [*CASE_ROOTS, REPO / "examples" / "newsroom"]
    marker = ("new_event_loop", "get_event_loop")
    out = []
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        if any(m in f.read_text(encoding="utf-8", errors="replace") for f in files for m in marker):
            out.append(root)
    return out


@pytest.mark.parametrize("root", _with_drops(), ids=case_name)
def test_check_reports_what_the_full_trial_reports(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On every case project, the fixes `check` offers are the same whether the proven
    drops skip the trial or not."""
    target = copy_case(root, tmp_path)
    analysis = analyse_project([target], cwd=tmp_path, use_cache=False)

    def settled() -> list[tuple[str, int, str, str, str]]:
        copy = replace(
            analysis, result=replace(analysis.result, findings=list(analysis.result.findings))
        )
        engine._settle_fixes(copy, tmp_path)
        return [
            (f.path, f.line, f.code, f.fix.safety.value, f.fix.reason) for f in copy.result.findings
        ]

    with_preflight = settled()
    monkeypatch.setattr(engine, "_unproven", lambda findings, analysis, risky: risky)
    assert settled() == with_preflight
