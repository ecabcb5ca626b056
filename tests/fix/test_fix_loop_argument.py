"""LS406's fix through the command line: which drops of a `loop` argument are safe (made by
`check --fix`), which need `--unsafe-fixes`, and which the fixer refuses, with why. The
rewritten text itself is checked by tests/cases/upgrade_loop_argument*.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fix_helpers import Skip, fix, read, write

CASES = Path(__file__).resolve().parents[1] / "cases"
UNSAFE = "unsafe fix: apply it with --unsafe-fixes"


def test_on_a_project_that_supports_38_only_proven_drops_are_safe(tmp_path: Path) -> None:
    shutil.copy(CASES / "upgrade_loop_argument_older_python.py", tmp_path / "app.py")
    run = fix(tmp_path)
    # The loop handed in, a coroutine not awaited on the spot, gather() (which also checks
    # its futures' loop): unsafe. `None`, the running loop given to an awaited sleep() or
    # to a lock made in the coroutine, get_event_loop() given to a queue: safe.
    unsafe = [(16, "LS406"), (19, "LS406"), (28, "LS406"), (33, "LS406"), (37, "LS402")]
    unsafe.append((67, "LS406"))  # under `except Exception:`, which is no shim
    assert run.skips() == [Skip("app.py", line, code, UNSAFE) for line, code in unsafe], run.output
    text = read(tmp_path / "app.py")
    assert "await asyncio.sleep(0, loop=loop)" in text
    assert text.count("    await asyncio.sleep(0)  # expect: LS406") == 2
    assert "lock = asyncio.Lock()  #" in text and text.count("asyncio.Queue()  #") == 2
    assert "asyncio.sleep(0, loop=loop)  # expect: LS100" in text  # the shim stays


def _module(requires: str, body: str) -> dict[str, str]:
    files = {"app/__init__.py": "", "app/work.py": "import asyncio\n\n\n" + body}
    if requires:
        files["pyproject.toml"] = (
            f'[project]\nname = "app"\nversion = "1"\nrequires-python = "{requires}"\n'
        )
    return files


SLEEP = "async def pause(loop):\n    await asyncio.sleep(1, loop=loop)\n"


@pytest.mark.parametrize(("requires", "fixed"), [(">=3.10", True), (">=3.9", False), ("", False)])
def test_the_oldest_python_in_the_metadata_decides(
    tmp_path: Path, requires: str, fixed: bool
) -> None:
    write(tmp_path, _module(requires, SLEEP))
    run = fix(tmp_path)
    after = read(tmp_path / "app/work.py")
    assert ("asyncio.sleep(1)\n" in after) is fixed, run.output
    assert run.skips() == ([] if fixed else [Skip("app/work.py", 5, "LS406", UNSAFE)])


def test_a_project_that_does_not_say_is_told_so(tmp_path: Path) -> None:
    write(tmp_path, _module("", SLEEP))
    run = fix(tmp_path)
    assert "which the project may support (it does not say)" in run.output
    fixed = fix(tmp_path, "--unsafe-fixes")
    assert "asyncio.sleep(1)\n" in read(tmp_path / "app/work.py"), fixed.output
    assert "LS406" not in fix(tmp_path).output  # a second fix finds nothing left


def test_comments_in_the_call_stay(tmp_path: Path) -> None:
    body = (
        "async def make(loop):\n"
        "    first = asyncio.Lock(  # one per worker\n"
        "        loop=loop,  # the caller's\n"
        "    )\n"
        "    return first, asyncio.Semaphore(2,  # at most two\n"
        "                                    loop=loop)\n"
    )
    write(tmp_path, _module(">=3.10", body))
    run = fix(tmp_path)
    assert read(tmp_path / "app/work.py").endswith(
        "async def make(loop):\n"
        "    first = asyncio.Lock(  # one per worker\n"
        "    )\n"
        "    return first, asyncio.Semaphore(2  # at most two\n"
        "    )\n"
    ), run.output


def test_a_positional_loop_with_arguments_after_it_has_no_fix(tmp_path: Path) -> None:
    call = 'asyncio.create_subprocess_shell("ls", None, None, None, loop, 2**16)'
    write(tmp_path, _module(">=3.10", f"async def make(loop):\n    return await {call}\n"))
    before = read(tmp_path / "app/work.py")
    run = fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "app/work.py") == before
    assert run.skips() == [
        Skip(
            "app/work.py",
            5,
            "LS406",
            "positional arguments follow the loop and would move into its place",
        )
    ]


def test_an_edit_inside_the_dropped_argument_leaves_no_import(tmp_path: Path) -> None:
    # LS402 rewrites the get_event_loop() in the argument LS406 drops: the helper import
    # that rewrite needed goes with it.
    body = "def make_lock():\n    return asyncio.Lock(loop=asyncio.get_event_loop())\n"
    files = _module(">=3.8", body)
    files["pyproject.toml"] += 'dependencies = ["loopsafe"]\n'
    write(tmp_path, files)
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.summary().fixed == 2, run.output
    assert read(tmp_path / "app/work.py") == (
        "import asyncio\n\n\ndef make_lock():\n    return asyncio.Lock()\n"
    )
