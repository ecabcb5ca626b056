"""Fixed code must import: a project that does not depend on loopsafe gets a copy of the
helper vendored into its package, and the fixed package works in a venv without loopsafe,
called from plain code, from inside a running loop and from a loop callback."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path
from textwrap import dedent

import pytest
from fix_helpers import fix, loopsafe, read, write

from loopsafe.vendor import vendored_source

LIBRARY = {
    "src/mylib/__init__.py": "from mylib.client import get\n",
    "src/mylib/sub/__init__.py": "",
    "src/mylib/client.py": dedent(
        """
        import asyncio


        async def _get(n):
            await asyncio.sleep(0)
            return n * 2


        def get(n):
            return asyncio.run(_get(n))
        """
    ).lstrip(),
    "src/mylib/sub/ping.py": dedent(
        """
        import asyncio


        async def _ping():
            return "pong"


        def ping():
            loop = asyncio.new_event_loop()
            try:
                return loop.run_until_complete(_ping())
            finally:
                loop.close()
        """
    ).lstrip(),
}


def pyproject(dependencies: str) -> str:
    return f'[project]\nname = "mylib"\nversion = "1.0"\ndependencies = [{dependencies}]\n'


def test_a_project_without_loopsafe_gets_one_vendored_copy(tmp_path: Path) -> None:
    write(tmp_path, {**LIBRARY, "pyproject.toml": pyproject('"httpx>=0.27"')})
    fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "src/mylib/_loopsafe_runtime.py") == vendored_source()
    assert not (tmp_path / "src/mylib/sub/_loopsafe_runtime.py").exists()
    for path in ("src/mylib/client.py", "src/mylib/sub/ping.py"):
        text = read(tmp_path / path)
        assert "from mylib._loopsafe_runtime import run_sync\n" in text
        assert "loopsafe import" not in text.replace("_loopsafe_runtime import", "")
    # The copy is loopsafe's, not the project's: never analysed, never fixed again.
    found = json.loads(loopsafe(tmp_path, "check", "--format", "json", "--no-cache").stdout)
    assert [f for f in found["findings"] if "_loopsafe_runtime" in f["path"]] == []
    assert fix(tmp_path, "--unsafe-fixes").summary().fixed == 0


def test_a_project_that_depends_on_loopsafe_imports_it(tmp_path: Path) -> None:
    write(tmp_path, {**LIBRARY, "pyproject.toml": pyproject('"loopsafe>=0.1", "httpx"')})
    fix(tmp_path, "--unsafe-fixes")
    assert "from loopsafe import run_sync\n" in read(tmp_path / "src/mylib/client.py")
    assert not list(tmp_path.rglob("_loopsafe_runtime.py"))


def test_a_dev_only_loopsafe_is_no_dependency(tmp_path: Path) -> None:
    config = pyproject('"httpx"') + '[project.optional-dependencies]\ndev = ["loopsafe"]\n'
    write(tmp_path, {**LIBRARY, "pyproject.toml": config})
    fix(tmp_path, "--unsafe-fixes")
    assert "from mylib._loopsafe_runtime import run_sync" in read(tmp_path / "src/mylib/client.py")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('run-sync-import = "loopsafe:run_sync"', "from loopsafe import run_sync"),
        ('run-sync-import = "mylib.compat:block_on"', "from mylib.compat import block_on"),
        ('run-sync = "mylib.compat:run_sync"', "from mylib.compat import run_sync"),
    ],
)
def test_run_sync_import_chooses(tmp_path: Path, setting: str, expected: str) -> None:
    config = pyproject('"httpx"') + f"[tool.loopsafe]\n{setting}\n"
    write(tmp_path, {**LIBRARY, "pyproject.toml": config})
    fix(tmp_path, "--unsafe-fixes")
    assert expected in read(tmp_path / "src/mylib/client.py")
    assert not list(tmp_path.rglob("_loopsafe_runtime.py"))


def test_command_line_vendors_where_nothing_declares_dependencies(tmp_path: Path) -> None:
    """No packaging at all: loopsafe is imported, unless `--run-sync-import vendor` asks
    for the copy (next to a module that is in no package)."""
    write(tmp_path, {"tool.py": LIBRARY["src/mylib/client.py"]})
    fix(tmp_path, "--unsafe-fixes")
    assert "from loopsafe import run_sync" in read(tmp_path / "tool.py")
    write(tmp_path, {"tool.py": LIBRARY["src/mylib/client.py"]})
    fix(tmp_path, "--unsafe-fixes", "--run-sync-import", "vendor")
    assert "from _loopsafe_runtime import run_sync" in read(tmp_path / "tool.py")
    assert read(tmp_path / "_loopsafe_runtime.py") == vendored_source()


def test_a_bad_run_sync_import_is_one_line(tmp_path: Path) -> None:
    write(tmp_path, {**LIBRARY, "pyproject.toml": pyproject("")})
    result = loopsafe(tmp_path, "fix", ".", "--run-sync-import", "a:b:c", spawn=True)
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "loopsafe: error: --run-sync-import must be 'auto', 'vendor' or look like 'module:name'"
    ]


def test_a_foreign_file_of_that_name_is_not_overwritten(tmp_path: Path) -> None:
    mine = "RUNTIME = 'mine'\n"
    write(
        tmp_path,
        {
            **LIBRARY,
            "pyproject.toml": pyproject('"httpx"'),
            "src/mylib/_loopsafe_runtime.py": mine,
        },
    )
    report = fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "src/mylib/_loopsafe_runtime.py") == mine
    assert read(tmp_path / "src/mylib/client.py") == LIBRARY["src/mylib/client.py"]
    assert "exists and is not loopsafe's helper" in report.output


PROBE = """
import asyncio, json, sys
results = {}
try:
    import loopsafe  # noqa: F401
    results["loopsafe importable"] = True
except ImportError:
    results["loopsafe importable"] = False
from mylib import get
from mylib.sub.ping import ping


def outcome(call):
    try:
        return repr(call())
    except Exception as exc:
        return type(exc).__name__


results["plain"] = [outcome(lambda: get(2)), outcome(ping)]


async def in_a_coroutine():
    return [outcome(lambda: get(2)), outcome(ping)]


results["running loop"] = asyncio.run(in_a_coroutine())


async def in_a_callback():
    done = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(
        lambda: done.set_result([outcome(lambda: get(2)), outcome(ping)])
    )
    return await done


results["loop callback"] = asyncio.run(in_a_callback())
print(json.dumps(results))
"""


@pytest.mark.slow
def test_the_fixed_package_works_in_a_venv_without_loopsafe(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, {**LIBRARY, "pyproject.toml": pyproject("")})
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"

    def probe() -> dict[str, object]:
        done = subprocess.run(
            [str(python), "-c", PROBE],
            cwd=tmp_path,
            env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        result: dict[str, object] = json.loads(done.stdout)
        return result

    before = probe()
    fix(project, "--unsafe-fixes")
    after = probe()
    assert after["loopsafe importable"] is False
    # Plain callers get the same values; where a loop runs, both versions refuse (the
    # original with asyncio's RuntimeError, the fix with the helper's, a RuntimeError too).
    assert before["plain"] == after["plain"] == ["4", "'pong'"]
    assert before["running loop"] == ["RuntimeError", "RuntimeError"]
    assert after["running loop"] == after["loop callback"] == ["RuntimeError"] * 2
    assert before["loop callback"] == ["RuntimeError", "RuntimeError"]


BOT = {
    "pyproject.toml": pyproject(""),
    "src/bot/__init__.py": dedent(
        """
        import asyncio
        import signal


        class Bot:
            def __init__(self):
                self.stop = asyncio.Event()

            async def start(self):
                loop = asyncio.get_running_loop()
                loop.add_signal_handler(signal.SIGINT, self.stop.set)
                return "served"

            def run(self):
                return asyncio.run(self.start())
        """
    ).lstrip(),
}
AFTER_RUN = """
import os, signal, sys, time
from bot import Bot
print(Bot().run())
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)
except KeyboardInterrupt:
    print("Ctrl-C reached the program")
"""


def test_what_the_coroutine_leaves_on_the_loop_goes_with_it(tmp_path: Path) -> None:
    """asyncio.run() closes its loop, and with it the signal handlers the coroutine added:
    measured on aiogram's run_polling(), a fix onto a loop kept between calls left Ctrl-C
    swallowed for the rest of the program. The fix keeps asyncio.run's loop lifetime."""
    write(tmp_path, BOT)

    def run() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", AFTER_RUN],
            env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.stdout.splitlines()

    assert run() == ["served", "Ctrl-C reached the program"]
    fix(tmp_path)
    assert run() == ["served", "Ctrl-C reached the program"]
    assert "run_sync(self.start(), fresh_loop=True)" in read(tmp_path / "src/bot/__init__.py")


def test_a_top_level_module_of_a_packaged_project_gets_no_copy_beside_it(
    tmp_path: Path,
) -> None:
    """`py_modules = ["tool"]` installs tool.py alone: a copy beside it would not be
    installed with it (measured on syncer 2.0.3), so the fix is left with the reason."""
    write(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup(name='tool', py_modules=['tool'])\n",
            "tool.py": LIBRARY["src/mylib/client.py"],
        },
    )
    report = fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "tool.py") == LIBRARY["src/mylib/client.py"]
    assert not (tmp_path / "_loopsafe_runtime.py").exists()
    assert "a helper copy beside it would not be installed with it" in report.output
