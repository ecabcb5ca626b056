"""A module with more top-level statements than Python's default recursion limit.

LibCST's `AddImportsVisitor` matches a module that opens with a docstring by recursing
once per top-level statement: a module of more than ~1,000 statements lost every fix that
adds an import ("internal error: RecursionError"), and `check` counted those fixes as
unavailable. The codemod now runs on a deep stack (`loopsafe.deep_stack`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fix_helpers import fix, read, write

from loopsafe.deep_stack import call_with_deep_stack


def _module(statements: int) -> str:
    head = [
        '"""A big generated module."""',
        "import asyncio",
        "",
        "",
        "async def fetch():",
        "    return 1",
        "",
        "",
        "def get():",
        "    return asyncio.run(fetch())",
        "",
    ]
    return "\n".join([*head, *(f"X{i} = {i}" for i in range(statements))]) + "\n"


def test_a_fix_adding_an_import_lands_in_a_module_of_1500_statements(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": _module(1500)})
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.summary().fixed == 1, run.output
    assert run.summary().skipped == 0, run.skips()
    text = read(tmp_path / "pkg/mod.py")
    assert "return run_sync(fetch(), fresh_loop=True)" in text
    assert text.endswith("X1499 = 1499\n")


def test_the_deep_call_restores_the_limit_and_passes_errors_on() -> None:
    before = sys.getrecursionlimit()

    def deep(n: int) -> int:
        return 0 if n == 0 else 1 + deep(n - 1)

    assert call_with_deep_stack(lambda: deep(20_000)) == 20_000
    assert sys.getrecursionlimit() == before

    def fails() -> int:
        raise KeyError("inside")

    try:
        call_with_deep_stack(fails)
    except KeyError as exc:
        assert exc.args == ("inside",)
    else:
        raise AssertionError("the exception was lost")
    assert sys.getrecursionlimit() == before


_C_RECURSION = """
from loopsafe.deep_stack import call_with_deep_stack

nested = []
for _ in range(150_000):
    nested = [nested]
print(call_with_deep_stack(lambda: len(repr(nested))))
"""


def test_the_deep_stack_is_really_deep() -> None:
    """`repr` of a deeply nested list recurses in C: on a thread of the default stack size
    with the raised limit it overflows the stack (a segfault: it once did, as the size was
    reset before the thread started). Run in a child so a crash is a failure, not ours."""
    done = subprocess.run(
        [sys.executable, "-c", _C_RECURSION], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(2 * 150_000 + 2)
