"""One reader of the pytest configuration: `check` (LS301/LS302), `fix` (the LS301 loop
scope), `tests` (marker registration) and the report all see the same settings, and see
them as pytest does."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import iniconfig
import pytest
from click.testing import CliRunner

from loopsafe.cli import cli
from loopsafe.discover.pytest_config import first_settings, ini_sections, read_settings
from loopsafe.testsort.pytestconfig import ConfigFinder

BOTH_TABLES = """
[project]
name = "demo"

[tool.pytest]
addopts = ["-q"]

[tool.pytest.ini_options]
asyncio_mode = "strict"
"""
ASYNC_TEST = """
import pytest


@pytest.mark.asyncio
async def test_ping():
    assert True
"""


def _run(root: Path, *args: str) -> str:
    import os

    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.stdout


def test_check_and_tests_read_the_same_table_of_a_pyproject_with_both(tmp_path: Path) -> None:
    """pytest 9 refuses a pyproject.toml with both `[tool.pytest]` and
    `[tool.pytest.ini_options]`; earlier versions read `ini_options`. So does every command
    (they used to disagree: `check` read ini_options, `tests` the native table)."""
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(BOTH_TABLES).lstrip())
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ping.py").write_text(textwrap.dedent(ASYNC_TEST).lstrip())
    settings = read_settings("pyproject.toml", (tmp_path / "pyproject.toml").read_text())
    assert settings is not None and settings.section == "tool.pytest.ini_options"
    assert ConfigFinder(tmp_path).for_dir(tmp_path / "tests").table == settings.section
    findings = json.loads(_run(tmp_path, "check", "--format", "json", "--no-cache"))["findings"]
    unset = [f for f in findings if "asyncio_default_fixture_loop_scope" in f["message"]]
    assert [(f["path"], f["line"]) for f in unset] == [("pyproject.toml", 7)]  # the table
    _run(tmp_path, "tests", "--apply-markers")
    text = (tmp_path / "pyproject.toml").read_text()
    table = text[text.index("[tool.pytest.ini_options]") :]
    assert "markers" in table and "markers" not in text[: text.index("[tool.pytest.ini")]


INI_TEXTS = [
    "[pytest]\nasyncio_mode = auto  # inline comment\n",
    "[pytest]\nmarkers =\n    slow: a slow test\n    db: needs a database ; a note\n",
    "[pytest] # header comment\naddopts: -q\n\n; comment\n[other]\nx = 1\n",
    "[tool:pytest]\nfilterwarnings =\n  error\n  ignore::DeprecationWarning\n",
]


@pytest.mark.parametrize("text", INI_TEXTS)
def test_ini_files_are_read_as_iniconfig_reads_them(text: str) -> None:
    ours = {
        name: {k: v for k, (v, _) in s.options.items()} for name, s in ini_sections(text).items()
    }
    theirs = iniconfig.IniConfig("x.ini", data=text)
    assert ours == {s.name: dict(s.items()) for s in theirs}


def test_the_first_file_pytest_takes_wins() -> None:
    files = [
        ("sub/pyproject.toml", "[project]\nname = 'x'\n"),  # no pytest table: passed by
        ("sub/tox.ini", "[pytest]\naddopts = -q\n"),
        ("pytest.ini", "[pytest]\n"),
    ]
    found = first_settings(files)
    assert found is not None and found.path == "sub/tox.ini" and found.line("addopts") == 2
    assert first_settings([("pytest.ini", "")]) is not None  # always counts, even empty
