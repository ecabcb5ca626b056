"""The options every analysing command shares, on `tests` and `report` too; `report`'s exit
status; an invalid `run-sync` refused before any work; help text that explains every
option without sending the reader to a document they do not have."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from cli_helpers import LS101_MODULE, invoke, spawn, write

from loopsafe.cli import cli

TESTS = {
    "tests/test_unit.py": "def test_a():\n    assert 1 + 1 == 2\n",
    "tests/test_broken.py": "import asyncio\ndef (:\n",
}


# report ------------------------------------------------------------------------------


def test_report_exits_1_with_findings_0_when_clean_or_exit_zero(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    assert spawn(["report", ".", "--no-cache"], tmp_path).code == 1
    assert spawn(["report", ".", "--no-cache", "--format", "json"], tmp_path).code == 1
    run = spawn(["report", ".", "--no-cache", "--exit-zero"], tmp_path)
    assert run.code == 0 and run.stdout.startswith("#")
    # An accepted site only (an entry point): nothing to fix or review.
    (tmp_path / "app.py").write_text(
        'import asyncio\n\nif __name__ == "__main__":\n    asyncio.run(f())\n'
    )
    assert spawn(["report", ".", "--no-cache"], tmp_path).code == 0


def test_report_output_file_is_an_alias_of_output(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    run = spawn(["report", ".", "--no-cache", "--output-file", "R.md", "-q"], tmp_path)
    assert run.code == 1 and run.stdout == "" and run.stderr == ""
    stdout = spawn(["report", ".", "--no-cache"], tmp_path).stdout
    assert (tmp_path / "R.md").read_text(encoding="utf-8") == stdout


def test_report_output_in_a_missing_directory_fails_first(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    spawn(["report", ".", "-o", "no/R.md"], tmp_path).assert_one_line_error("no/R.md")
    assert not (tmp_path / ".loopsafe_cache").exists()


# tests -------------------------------------------------------------------------------


def test_tests_exit_zero_and_quiet(tmp_path: Path) -> None:
    write(tmp_path, TESTS)
    assert invoke(["tests", "tests"], tmp_path).code == 1  # a file could not be parsed
    assert invoke(["tests", "tests", "--exit-zero"], tmp_path).code == 0
    quiet = spawn(["tests", "tests", "--quiet"], tmp_path)
    assert quiet.code == 1 and quiet.stdout == "" and quiet.stderr == ""


def test_tests_output_file(tmp_path: Path) -> None:
    write(tmp_path, TESTS)
    for fmt in ("text", "json"):
        plain = spawn(["tests", "tests", "--format", fmt], tmp_path)
        to_file = spawn(["tests", "tests", "--format", fmt, "-o", "t.out"], tmp_path)
        assert to_file.code == plain.code == 1
        assert to_file.stdout == ""
        assert (tmp_path / "t.out").read_text(encoding="utf-8") == plain.stdout
    data = json.loads((tmp_path / "t.out").read_text(encoding="utf-8"))
    assert [f["path"] for f in data["files"]] == ["tests/test_unit.py"]
    run = spawn(["tests", "tests", "-o", "missing/t.out"], tmp_path)
    run.assert_one_line_error("--output-file", "missing")


def test_tests_config_reads_the_named_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **TESTS,
            "other.toml": '[tool.loopsafe]\nextend-exclude = ["tests/test_broken.py"]\n',
            "bad.toml": "[tool.loopsafe]\nnot-an-option = 1\n",
        },
    )
    assert invoke(["tests", "tests", "--config", "other.toml"], tmp_path).code == 0
    run = spawn(["tests", "tests", "--config", "bad.toml"], tmp_path)
    run.assert_one_line_error("bad.toml", "not-an-option")


# run-sync ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a:b:c", "class:run_sync", "pkg.def:run_sync", "pkg:", ":x"])
def test_invalid_run_sync_in_config_stops_every_command_first(tmp_path: Path, value: str) -> None:
    module = LS101_MODULE.replace("async def handler", "def handler")  # an LS104 site
    write(
        tmp_path,
        {
            "lib.py": module,
            "pyproject.toml": f'[project]\nname = "x"\n[tool.loopsafe]\nrun-sync = "{value}"\n',
        },
    )
    for command in ("check", "fix", "report"):
        spawn([command, "."], tmp_path).assert_one_line_error("run-sync", "module:name")
    assert (tmp_path / "lib.py").read_text(encoding="utf-8") == module
    assert not (tmp_path / ".loopsafe_cache").exists()


@pytest.mark.parametrize("value", ["a:b:c", "class:run_sync", "x.y"])
def test_invalid_run_sync_import_option_is_one_line(tmp_path: Path, value: str) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    run = spawn(["fix", ".", "--run-sync-import", value], tmp_path)
    run.assert_one_line_error("--run-sync-import", "module:name")


# help --------------------------------------------------------------------------------


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    found = []
    for name in cli.list_commands(ctx):  # type: ignore[attr-defined]
        command = cli.get_command(ctx, name)  # type: ignore[attr-defined]
        assert command is not None
        found.append((name, command))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: str(v))
def test_help_explains_every_option_and_never_cites_the_spec(
    tmp_path: Path, name: str, command: click.Command
) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{name} {param.opts[0]} has no help"
    run = invoke([name, "--help"], tmp_path)
    assert run.code == 0
    assert "SPEC" not in run.stdout.upper().replace("RESPECT", "")


def test_tests_and_report_take_the_common_options(tmp_path: Path) -> None:
    ctx = click.Context(cli)
    common = {"--config", "--exit-zero", "--exclude", "--pytest-config", "--verbose"}
    for name in ("tests", "report"):
        command = cli.get_command(ctx, name)  # type: ignore[attr-defined]
        assert command is not None
        declared = {o for p in command.params for o in p.opts}
        assert common <= declared, (name, common - declared)
        assert "--output-file" in declared or "--output" in declared


def test_report_quiet_prints_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    run = spawn(["report", ".", "--no-cache", "-q"], tmp_path)
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
