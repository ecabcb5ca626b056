"""LS403's edits: a policy set-up removed (with the `if` around it) and its loop passed as
`loop_factory=` to the run that follows, laid out like the call; how they compose with
the other rules' edits of the same calls; and the reasons printed where no fix is made.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fix_helpers import assert_compiles, fix, read, snapshot, write

from loopsafe.fix.transform import apply_ops
from loopsafe.model import Op, OpKind


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _factory(line: int, col: int, end_line: int, end_col: int, value: str) -> Op:
    return Op(OpKind.LOOP_FACTORY, line, col, f":{value}", end_line=end_line, end_col=end_col)


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("asyncio.run(main())", "asyncio.run(main(), loop_factory=f)"),
        ("asyncio.Runner()", "asyncio.Runner(loop_factory=f)"),
        ("asyncio.run(main(),)", "asyncio.run(main(), loop_factory=f,)"),
        (
            "asyncio.run(\n    main(),\n)",
            "asyncio.run(\n    main(),\n    loop_factory=f,\n)",
        ),
        (
            "asyncio.run(\n    main()\n)",
            "asyncio.run(\n    main(),\n    loop_factory=f\n)",
        ),
    ],
)
def test_loop_factory_follows_the_layout_of_the_call(call: str, fixed: str) -> None:
    source = f"import asyncio\n{call}\n"
    lines = call.splitlines()
    end_line, end_col = 1 + len(lines), len(lines[-1]) + 1
    new, applied = apply_ops(source, [_factory(2, 1, end_line, end_col, "f")])
    assert applied and new == f"import asyncio\n{fixed}\n"


def test_a_loop_factory_too_long_for_the_line_goes_one_argument_a_line() -> None:
    source = "import asyncio\n\n\ndef main():\n    asyncio.run(serve(port))\n"
    value = 'asyncio.SelectorEventLoop if sys.platform == "win32" else None'
    new, applied = apply_ops(source, [_factory(5, 5, 5, 29, value)])
    assert applied
    assert new.endswith(
        f"    asyncio.run(\n        serve(port),\n        loop_factory={value},\n    )\n"
    )


def test_a_run_that_has_its_loop_factory_is_refused_with_why() -> None:
    source = "import asyncio\nasyncio.run(main(), **options)\n"
    refused: dict[Op, str] = {}
    op = _factory(2, 1, 2, 31, "f")
    new, applied = apply_ops(source, [op], refused)
    assert not applied and new == source
    assert "loop_factory=" in refused[op]


def test_a_dropped_set_up_leaves_its_comment_and_blank_lines_to_the_next_statement() -> None:
    source = dedent(
        """
        import asyncio
        import sys

        # the selector loop, for aiodns
        if sys.platform == "win32":
            asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())
        asyncio.run(main(), debug=sys.flags.dev_mode)
        """
    )
    drop = Op(OpKind.DELETE_STATEMENT, 6, 5, "if", end_line=6, end_col=76)
    new, applied = apply_ops(source, [drop])
    assert applied == {drop}
    assert new == dedent(
        """
        import asyncio
        import sys

        # the selector loop, for aiodns
        asyncio.run(main(), debug=sys.flags.dev_mode)
        """
    )


def test_an_if_with_an_else_is_never_dropped() -> None:
    source = dedent(
        """
        if windows:
            set_up()
        else:
            other()
        """
    )
    drop = Op(OpKind.DELETE_STATEMENT, 2, 5, "if", end_line=2, end_col=13)
    new, applied = apply_ops(source, [drop])
    assert not applied and new == source


def test_a_whole_expression_rewrite_takes_the_policy_call_with_it() -> None:
    """LS402 may replace `get_event_loop_policy().get_event_loop()` whole; LS403 plans no
    edit of the inner call, so the two findings never fight over it."""
    source = "import asyncio\nloop = asyncio.get_event_loop_policy().get_event_loop()\n"
    op = Op(OpKind.CURRENT_LOOP, 2, 8, "loopsafe:current_loop", end_line=2, end_col=56)
    new, applied = apply_ops(source, [op])
    assert applied == {op}
    assert new == "from loopsafe import current_loop\n\nloop = current_loop()\n"


def test_a_run_another_rule_rewrites_gets_no_loop_factory(tmp_path: Path) -> None:
    """A library function that sets uvloop up and runs: LS104 rewrites the run
    (`run_sync`), so LS403 offers no `loop_factory=` for it and says why; the fix is
    made once, compiles, and a second fix changes nothing."""
    write(
        tmp_path,
        {
            "pyproject.toml": """
            [project]
            name = "fastlib"
            version = "1"
            requires-python = ">=3.12"
            dependencies = ["loopsafe", "uvloop"]
            """,
            "fastlib/__init__.py": "",
            "fastlib/serve.py": """
            import asyncio

            import uvloop


            def serve_forever(app):
                uvloop.install()
                asyncio.run(app.serve())
            """,
        },
    )
    first = fix(tmp_path, "--unsafe-fixes")
    assert first.summary().fixed == 1, first.output
    assert_compiles(tmp_path)
    text = read(tmp_path / "fastlib/serve.py")
    assert "uvloop.install()" in text and "run_sync(app.serve(), fresh_loop=True)" in text
    (skip,) = [s for s in first.skips() if s.code == "LS403"]
    assert "rewritten by LS104" in skip.reason
    before = snapshot(tmp_path)
    fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("requires", "body", "reason"),
    [
        (">=3.10", "uvloop.install()\n    asyncio.run(main())", "supports Python 3.10"),
        (">=3.12", "uvloop.install()\n    print()\n    asyncio.run(main())", "follows it"),
        (">=3.12", "asyncio.set_event_loop_policy(None)", "restores the default policy"),
    ],
)
def test_no_fix_says_why(tmp_path: Path, requires: str, body: str, reason: str) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": f"""
            [project]
            name = "app"
            version = "1"
            requires-python = "{requires}"
            """,
            "app/__init__.py": "",
            "app/__main__.py": (
                "import asyncio\n\nimport uvloop\n\n\nasync def main():\n    pass\n\n\n"
                f'if __name__ == "__main__":\n    {body}\n'
            ),
        },
    )
    before = snapshot(tmp_path)
    run = fix(tmp_path, "--unsafe-fixes")
    skipped = [s for s in run.skips() if s.code == "LS403"]
    assert skipped and reason in skipped[0].reason, run.output
    assert snapshot(tmp_path) == before
