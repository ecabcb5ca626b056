"""Exit status per SPEC: 0 nothing actionable, 1 findings or unparsable files, 2 bad usage
or configuration, always with one line on stderr and never a traceback.

These run `python -m loopsafe` in a subprocess: the exit status and the split between
stdout and stderr are what CI scripts see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import LS101_MODULE, spawn, write

ENTRYPOINT_ONLY = """\
import asyncio


async def main():
    return 1


if __name__ == "__main__":
    asyncio.run(main())
"""


def test_no_sites_exits_0(tmp_path: Path) -> None:
    write(tmp_path, {"plain.py": "def f():\n    return 1\n", "notes.txt": "asyncio.run(x)\n"})
    run = spawn(["check"], tmp_path)
    assert run.code == 0, run
    assert "All clear" in run.stdout
    assert run.stderr == ""


def test_only_ok_sites_exits_0(tmp_path: Path) -> None:
    write(tmp_path, {"tool.py": ENTRYPOINT_ONLY})
    run = spawn(["check", "--format", "json"], tmp_path)
    assert run.code == 0, run
    assert [(f["code"], f["action"]) for f in run.findings()] == [("LS100", "ok")]
    assert run.stderr == ""


def test_fix_finding_exits_1(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    run = spawn(["check"], tmp_path)
    assert run.code == 1, run
    assert run.codes() == ["LS101"]
    assert run.stderr == ""


def test_review_finding_alone_exits_1(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"lib.py": "import asyncio\n\n\ndef loop():\n    return asyncio.get_event_loop()\n"},
    )
    run = spawn(["check", "--format", "json", "--target-version", "py313"], tmp_path)
    assert [(f["code"], f["action"]) for f in run.findings()] == [("LS202", "review")]
    assert run.code == 1, run


def test_unparsable_file_exits_1_and_is_listed(tmp_path: Path) -> None:
    write(tmp_path, {"broken.py": "import asyncio\n\ndef f(:\n", "tool.py": ENTRYPOINT_ONLY})
    run = spawn(["check", "--format", "json"], tmp_path)
    assert run.code == 1, run
    data = run.json()
    assert [(e["path"], e["line"]) for e in data["parse_errors"]] == [("broken.py", 3)]
    assert [f["code"] for f in data["findings"]] == ["LS100"]
    assert "Traceback" not in run.stderr


def test_exit_zero_gives_0_with_findings(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE, "broken.py": "import asyncio\n(\n"})
    run = spawn(["check", "--exit-zero"], tmp_path)
    assert run.code == 0, run
    assert sorted(run.codes()) == ["LS000", "LS101"]


def test_missing_path_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    spawn(["check", "app.py", "nowhere"], tmp_path).assert_one_line_error(
        "nowhere", "no such file or directory"
    )


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_code_exits_2(tmp_path: Path, option: str) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    spawn(["check", option, "LS101,LS999"], tmp_path).assert_one_line_error(option, "LS999")


def test_bad_format_exits_2_naming_the_choices(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    run = spawn(["check", "--format", "xml"], tmp_path)
    assert run.code == 2, run
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("loopsafe: error:")]
    assert len(errors) == 1
    assert "'xml'" in errors[0] and "'text', 'json', 'sarif', 'github'" in errors[0]


def test_bad_format_message_is_one_line(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    spawn(["check", "--format", "xml"], tmp_path).assert_one_line_error("--format", "xml")


@pytest.mark.parametrize(
    ("table", "fragments"),
    [
        ("bogus-key = 1\n", ("unknown key 'bogus-key'", "pyproject.toml")),
        ('extend_exclude = ["x"]\n', ("unknown key 'extend_exclude'",)),
        ('show-ok = "yes"\n', ("show-ok", "true or false")),
        ('select = "LS1"\n', ("select", "list of strings")),
        ("exclude = [1]\n", ("exclude", "list of strings")),
        ("jobs = 0\n", ("jobs", "positive integer")),
        ("jobs = true\n", ("jobs", "positive integer")),
        ('run-sync = "run_sync"\n', ("run-sync", "module:name")),
        ('cache-dir = ""\n', ("cache-dir", "non-empty string")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_config_exits_2_naming_the_key(
    tmp_path: Path, table: str, fragments: tuple[str, ...]
) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.loopsafe]\n" + table, "app.py": LS101_MODULE})
    spawn(["check"], tmp_path).assert_one_line_error(*fragments)


def test_invalid_toml_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.loopsafe\nselect = [\n", "app.py": LS101_MODULE})
    spawn(["check"], tmp_path).assert_one_line_error("pyproject.toml", "invalid TOML", "line 1")


def test_non_utf8_pyproject_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": b"[tool.loopsafe]\n# \xff\xfe\n", "app.py": LS101_MODULE})
    spawn(["check"], tmp_path).assert_one_line_error("pyproject.toml", "invalid TOML")


def test_tool_loopsafe_not_a_table_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool]\nloopsafe = 3\n", "app.py": LS101_MODULE})
    spawn(["check"], tmp_path).assert_one_line_error("[tool.loopsafe] must be a table")


def test_unknown_code_in_config_select_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.loopsafe]\nselect = ["LS9"]\n', "a.py": LS101_MODULE})
    spawn(["check"], tmp_path).assert_one_line_error("LS9")


def test_unknown_code_in_config_select_names_the_config(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.loopsafe]\nselect = ["LS9"]\n', "a.py": LS101_MODULE})
    spawn(["check"], tmp_path).assert_one_line_error("pyproject.toml", "select", "LS9")


def test_jobs_below_one_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    run = spawn(["check", "--jobs", "0"], tmp_path)
    assert run.code == 2 and run.stdout == "" and "Traceback" not in run.stderr
