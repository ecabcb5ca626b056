"""`--pytest-config FILE` (and `[tool.loopsafe] pytest-config`): the pytest set-up is judged,
fixed and sorted by the file a `pytest -c FILE` run reads, not by the one found upwards.
The fixed project then really runs under `pytest -c FILE`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import invoke, write

# pyproject.toml says strict; the CI file pytest is run with says auto.
PROJECT = {
    "pyproject.toml": """
        [project]
        name = "ledger"
        version = "0.1.0"

        [tool.pytest.ini_options]
        asyncio_mode = "strict"
        asyncio_default_fixture_loop_scope = "function"
        """,
    "ci/pytest-ci.ini": """
        [pytest]
        asyncio_mode = auto
        """,
    "tests/__init__.py": "",
    "tests/conftest.py": """
        import asyncio

        import pytest


        @pytest.fixture(scope="module")
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()
        """,
    "tests/test_ledger.py": """
        import asyncio


        async def test_balance():
            await asyncio.sleep(0)
        """,
}


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [sys.executable, "-m", "pytest", "-p", "pytest_asyncio.plugin"]
    return subprocess.run(
        [*command, "-p", "no:cacheprovider", "-q", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_pytest_config_decides_the_verdicts(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    found = invoke(["check", "--no-cache", "."], tmp_path)
    assert ("pyproject.toml", 6, 1, "LS302") in found.listed()  # strict, unmarked test
    given = invoke(["check", "--no-cache", "--pytest-config", "ci/pytest-ci.ini", "."], tmp_path)
    listed = given.listed()
    assert ("ci/pytest-ci.ini", 1, 1, "LS302") in listed  # no fixture loop scope there
    assert "asyncio_default_fixture_loop_scope` is unset" in given.stdout
    assert not any(path == "pyproject.toml" for path, *_ in listed)
    assert ("tests/conftest.py", 7, 1, "LS301") in listed


def test_the_fix_writes_the_loop_scope_into_that_file_and_pytest_runs_green(
    tmp_path: Path,
) -> None:
    write(tmp_path, PROJECT)
    pyproject = (tmp_path / "pyproject.toml").read_text("utf-8")
    run = invoke(
        ["fix", "--unsafe-fixes", "--no-cache", "--pytest-config", "ci/pytest-ci.ini", "."],
        tmp_path,
    )
    assert run.code == 0, run.stdout + run.stderr
    assert "Fixed 1 finding(s) in 2 file(s); 0 skipped; 0 left for review." in run.stdout
    assert (tmp_path / "ci/pytest-ci.ini").read_text("utf-8") == (
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = module\n"
        "asyncio_default_test_loop_scope = module\n"
    )
    assert (tmp_path / "pyproject.toml").read_text("utf-8") == pyproject
    result = _pytest(tmp_path, "-c", "ci/pytest-ci.ini", "--rootdir", ".", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_setting_in_tool_loopsafe_works_the_same(tmp_path: Path) -> None:
    files = dict(PROJECT)
    files["pyproject.toml"] = PROJECT["pyproject.toml"] + (
        '\n        [tool.loopsafe]\n        pytest-config = "ci/pytest-ci.ini"\n'
    )
    write(tmp_path, files)
    run = invoke(["check", "--no-cache", "tests"], tmp_path)
    assert ("ci/pytest-ci.ini", 1, 1, "LS302") in run.listed()


def test_tests_apply_markers_registers_them_in_that_file(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    run = invoke(
        ["tests", "--apply-markers", "--pytest-config", "ci/pytest-ci.ini", "tests"], tmp_path
    )
    assert run.code == 0, run.stdout + run.stderr
    assert "markers =" in (tmp_path / "ci/pytest-ci.ini").read_text("utf-8")
    assert "markers" not in (tmp_path / "pyproject.toml").read_text("utf-8")
    result = _pytest(
        tmp_path, "-c", "ci/pytest-ci.ini", "--rootdir", ".", "--strict-markers", "-m", "unit"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_missing_pytest_config_is_one_line(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    for command in ("check", "fix", "report", "tests"):
        run = invoke([command, "--pytest-config", "nope.ini", "."], tmp_path)
        run.assert_one_line_error("--pytest-config", "nope.ini")
