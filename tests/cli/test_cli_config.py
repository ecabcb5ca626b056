"""`[tool.loopsafe]` through the command line: where it is found, what each key changes,
and how command-line options combine with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import LS101_MODULE, invoke, write

from loopsafe.discover.config import find_pyproject

# LS101 (fix), LS104 (fix) and an entry point (ok) in one package.
APP = {
    "proj/app/__init__.py": "",
    "proj/app/core.py": """
        import asyncio


        async def handler():
            asyncio.run(work())


        def wrapper():
            return asyncio.run(work())


        if __name__ == "__main__":
            asyncio.run(work())
        """,
}


def codes(root: Path, *args: str, cwd: Path | None = None) -> list[str]:
    run = invoke(["check", "--format", "json", *args], cwd or root)
    assert run.code in (0, 1), run
    return sorted(f["code"] for f in run.findings())


def project(tmp_path: Path, table: str = "", extra: dict[str, str] | None = None) -> Path:
    if find_pyproject(tmp_path) is not None:
        pytest.skip("a pyproject.toml above the temporary directory changes the answer")
    pyproject = '[project]\nname = "app"\n' + (f"\n[tool.loopsafe]\n{table}" if table else "")
    write(tmp_path, {**APP, "proj/pyproject.toml": pyproject, **(extra or {})})
    return tmp_path / "proj"


def test_without_config(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert codes(root) == ["LS100", "LS101", "LS104"]


def test_config_is_found_walking_up_from_a_subdirectory(tmp_path: Path) -> None:
    root = project(tmp_path, 'ignore = ["LS101"]\n')
    assert codes(root, cwd=root / "app") == ["LS100", "LS104"]
    run = invoke(["check"], root / "app")
    assert run.listed() == [("core.py", 9, 12, "LS104")]


def test_config_is_found_from_the_first_path_not_the_cwd(tmp_path: Path) -> None:
    root = project(tmp_path, 'ignore = ["LS104"]\n')
    findings = invoke(["check", "--format", "json", "proj/app"], tmp_path).findings()
    assert sorted((f["path"], f["code"]) for f in findings) == [
        ("proj/app/core.py", "LS100"),
        ("proj/app/core.py", "LS101"),
    ]
    assert root.is_dir()


def test_nearest_pyproject_without_the_table_is_skipped(tmp_path: Path) -> None:
    root = project(tmp_path, 'select = ["LS104"]\n')
    write(root, {"app/pyproject.toml": '[project]\nname = "inner"\n'})
    assert codes(root, cwd=root / "app") == ["LS104"]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('select = ["LS104"]\n', ["LS104"]),
        ('select = ["LS1"]\nignore = ["LS101"]\n', ["LS100", "LS104"]),
        ('ignore = ["LS10"]\n', []),
    ],
)
def test_select_and_ignore_from_config(tmp_path: Path, table: str, expected: list[str]) -> None:
    assert codes(project(tmp_path, table)) == expected


def test_command_line_select_replaces_config_select(tmp_path: Path) -> None:
    root = project(tmp_path, 'select = ["LS104"]\n')
    assert codes(root, "--select", "LS101") == ["LS101"]


def test_show_ok_from_config(tmp_path: Path) -> None:
    root = project(tmp_path, "show-ok = true\n")
    assert sorted(invoke(["check"], root).codes()) == ["LS100", "LS101", "LS104"]
    plain = project(tmp_path / "other")
    assert sorted(invoke(["check"], plain).codes()) == ["LS101", "LS104"]


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    extra = {"proj/legacy/old.py": LS101_MODULE, "proj/build/gen.py": LS101_MODULE}
    root = project(tmp_path, extra=extra)

    def paths(cwd: Path) -> set[str]:
        return {f["path"] for f in invoke(["check", "--format", "json"], cwd).findings()}

    # defaults skip build/
    assert paths(root) == {"app/core.py", "legacy/old.py"}
    # extend-exclude adds to the defaults
    write(root, {"pyproject.toml": '[tool.loopsafe]\nextend-exclude = ["legacy/"]\n'})
    assert paths(root) == {"app/core.py"}
    # exclude replaces them, as in ruff: build/ is scanned again
    write(root, {"pyproject.toml": '[tool.loopsafe]\nexclude = ["legacy/"]\n'})
    assert paths(root) == {"app/core.py", "build/gen.py"}


def test_command_line_exclude_extends_config_exclude(tmp_path: Path) -> None:
    extra = {"proj/legacy/old.py": LS101_MODULE, "proj/gen/x_pb2.py": LS101_MODULE}
    root = project(tmp_path, 'extend-exclude = ["legacy/"]\n', extra)
    findings = invoke(["check", "--format", "json", "--exclude", "*_pb2.py"], root).findings()
    assert {f["path"] for f in findings} == {"app/core.py"}


EXTRA_ROOTS = {
    "proj/app/framework.py": """
        def command(fn):
            return fn


        def task(fn):
            return fn


        def offload(fn):
            return fn()
        """,
    "proj/app/jobs.py": """
        import asyncio

        from app.framework import command, offload, task


        async def work():
            return 1


        @command
        def cmd():
            asyncio.run(work())


        @task
        def job():
            asyncio.run(work())


        def blocking():
            asyncio.run(work())


        def nightly():
            asyncio.run(work())


        async def handler():
            offload(blocking)
        """,
}


def categories(root: Path, *paths: str) -> dict[int, tuple[str, str]]:
    findings = invoke(["check", "--format", "json", *paths], root).findings()
    return {f["line"]: (f["code"], f["category"]) for f in findings if f["path"] == "app/jobs.py"}


ROOTS_TABLE = """\
entry-points = ["app.framework.command", "app.jobs:nightly"]
worker-decorators = ["app.framework.task"]
thread-apis = ["app.framework.offload"]
"""


def test_entry_points_worker_decorators_and_thread_apis_change_categories(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, extra=EXTRA_ROOTS)
    assert categories(root) == {
        12: ("LS104", "sync-wrapper"),
        17: ("LS104", "sync-wrapper"),
        21: ("LS103", "reachable-from-async"),
        25: ("LS104", "sync-wrapper"),
    }
    write(root, {"pyproject.toml": "[tool.loopsafe]\n" + ROOTS_TABLE})
    assert categories(root) == {
        12: ("LS100", "entrypoint"),
        17: ("LS100", "worker-task"),
        21: ("LS100", "thread"),
        25: ("LS100", "entrypoint"),
    }


def test_module_names_do_not_depend_on_which_files_are_named(tmp_path: Path) -> None:
    root = project(tmp_path, ROOTS_TABLE, EXTRA_ROOTS)
    whole = invoke(["check", "--format", "json"], root).findings()
    one = invoke(["check", "--format", "json", "app/jobs.py"], root).findings()
    assert {f["function"] for f in one} == {
        f["function"] for f in whole if f["path"] == "app/jobs.py"
    }
    assert categories(root, "app/jobs.py")[25] == ("LS100", "entrypoint")


def test_run_sync_path_is_used_in_ls104_messages_and_fixes(tmp_path: Path) -> None:
    def ls104(root: Path) -> dict[str, Any]:
        findings = invoke(["check", "--format", "json", "--select", "LS104"], root).findings()
        assert len(findings) == 1
        return findings[0]

    # The project does not depend on loopsafe: fixes import a copy vendored into it.
    default = ls104(project(tmp_path / "a"))
    assert "`run_sync()` from `app._loopsafe_runtime`" in default["message"]
    assert default["fix"] == {"safety": "safe", "replacement": "run_sync(work(), fresh_loop=True)"}

    chosen = ls104(project(tmp_path / "d", 'run-sync-import = "loopsafe:run_sync"\n'))
    assert "`run_sync()` from `loopsafe`" in chosen["message"]

    custom = ls104(project(tmp_path / "b", 'run-sync = "myproj.compat:run_sync"\n'))
    assert "`run_sync()` from `myproj.compat`" in custom["message"]
    assert "`loopsafe`" not in custom["message"]
    assert custom["fix"] == {"safety": "safe", "replacement": "run_sync(work())"}

    renamed = ls104(project(tmp_path / "c", 'run-sync = "myproj.compat:block_on"\n'))
    assert "`block_on()` from `myproj.compat`" in renamed["message"]
    assert renamed["fix"] == {"safety": "safe", "replacement": "block_on(work())"}


def test_explicit_config_file(tmp_path: Path) -> None:
    root = project(tmp_path, 'select = ["LS104"]\n')
    write(tmp_path, {"settings/pyproject.toml": '[tool.loopsafe]\nselect = ["LS101"]\n'})
    assert codes(root) == ["LS104"]
    assert codes(root, "--config", "../settings/pyproject.toml") == ["LS101"]
    # an explicit file without the table means defaults, not the file found by walking up
    write(tmp_path, {"empty/pyproject.toml": '[project]\nname = "x"\n'})
    assert codes(root, "--config", str(tmp_path / "empty" / "pyproject.toml")) == [
        "LS100",
        "LS101",
        "LS104",
    ]


def test_explicit_config_file_that_is_missing(tmp_path: Path) -> None:
    root = project(tmp_path)
    invoke(["check", "--config", "nope.toml"], root).assert_one_line_error("nope.toml")
