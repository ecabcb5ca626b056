"""The result cache seen from the command line: a second run gives the same answer, any
change that matters gives a new one, and `--no-cache` neither reads nor writes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli_helpers import LS101_MODULE, Run, invoke, rewrite_cache_file, write

LIB = "import asyncio\n\n\ndef main():\n    return asyncio.run(work())\n"


def project(root: Path) -> Path:
    return write(
        root,
        {
            "pyproject.toml": '[project]\nname = "p"\nversion = "0"\n',
            "pkg/__init__.py": "",
            "pkg/app.py": LS101_MODULE,
            "pkg/lib.py": LIB,
        },
    )


def check(cwd: Path, *args: str) -> Run:
    run = invoke(["check", "--format", "json", *args], cwd)
    assert run.code in (0, 1) and run.stderr == "", run
    return run


def codes(run: Run) -> list[tuple[str, int, str, str]]:
    return sorted((f["path"], f["line"], f["code"], f["category"]) for f in run.findings())


def test_second_run_is_identical(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = check(root)
    cache = root / ".loopsafe_cache"
    assert (cache / "run.json").is_file() and (cache / "facts.json").is_file()
    second = check(root)
    assert (second.code, second.stdout) == (first.code, first.stdout)
    assert invoke(["check"], root).stdout == invoke(["check", "--no-cache"], root).stdout
    # the cache keeps itself out of version control
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_cache_lives_at_the_project_root_whatever_the_cwd(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root / "pkg")
    assert (root / ".loopsafe_cache").is_dir()
    assert not (root / "pkg" / ".loopsafe_cache").exists()


def test_paths_follow_the_cwd_not_the_cached_run(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert {f["path"] for f in check(root).findings()} == {"pkg/app.py", "pkg/lib.py"}
    assert {f["path"] for f in check(root / "pkg").findings()} == {"app.py", "lib.py"}
    assert {f["path"] for f in check(root).findings()} == {"pkg/app.py", "pkg/lib.py"}


def test_editing_a_file_changes_the_result(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = check(root)
    assert codes(before) == [
        ("pkg/app.py", 5, "LS101", "async-context"),
        ("pkg/lib.py", 5, "LS104", "sync-wrapper"),
    ]
    write(root, {"pkg/app.py": LS101_MODULE + "    return asyncio.get_event_loop()\n"})
    assert codes(check(root)) == [
        ("pkg/app.py", 5, "LS101", "async-context"),
        ("pkg/app.py", 6, "LS201", "async-context"),
        ("pkg/lib.py", 5, "LS104", "sync-wrapper"),
    ]
    # an edit that keeps the size
    text = (root / "pkg/app.py").read_text()
    write(root, {"pkg/app.py": text.replace("asyncio.run(work())", "print(work(), 1234)")})
    assert codes(check(root)) == [
        ("pkg/app.py", 6, "LS201", "async-context"),
        ("pkg/lib.py", 5, "LS104", "sync-wrapper"),
    ]
    (root / "pkg/app.py").unlink()
    (root / "pkg/lib.py").rename(root / "pkg/core.py")
    after = check(root)
    assert codes(after) == [("pkg/core.py", 5, "LS104", "sync-wrapper")]
    assert after.json()["files_scanned"] == 2


def test_a_new_caller_in_another_file_changes_the_category(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert ("pkg/lib.py", 5, "LS104", "sync-wrapper") in codes(check(root))
    write(root, {"pkg/route.py": "from pkg.lib import main\n\n\nasync def route():\n    main()\n"})
    assert ("pkg/lib.py", 5, "LS103", "reachable-from-async") in codes(check(root))


def test_packaging_metadata_changes_the_result(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert ("pkg/lib.py", 5, "LS104", "sync-wrapper") in codes(check(root))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[project.scripts]\ntool = "pkg.lib:main"\n')
    assert ("pkg/lib.py", 5, "LS100", "entrypoint") in codes(check(root))


def test_config_changes_the_result(tmp_path: Path) -> None:
    root = project(tmp_path)

    def messages() -> set[str]:
        return {f["message"] for f in check(root, "--select", "LS104").findings()}

    # A packaged project that does not depend on loopsafe: a copy vendored into it.
    assert any("`run_sync()` from `pkg._loopsafe_runtime`" in m for m in messages())
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.loopsafe]\nrun-sync = "p.compat:run"\n')
    assert any("`run()` from `p.compat`" in m for m in messages())


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root, "--no-cache")
    assert not (root / ".loopsafe_cache").exists()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        "pkg",
        "pkg/__init__.py",
        "pkg/app.py",
        "pkg/lib.py",
        "pyproject.toml",
    ]


def test_no_cache_reads_nothing(tmp_path: Path) -> None:
    """Doctor this tree's own last run to say `no findings`: a cached run believes it,
    `--no-cache` must not even look."""
    root = project(tmp_path)
    fresh = check(root)

    def no_findings(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "result": {**data["result"], "findings": []}}

    rewrite_cache_file(root / ".loopsafe_cache", "run.json", no_findings)
    assert check(root).findings() == []  # the doctored entry is what a cached run reads
    assert check(root, "--no-cache").stdout == fresh.stdout


def test_cache_settings_in_config(tmp_path: Path) -> None:
    root = project(tmp_path / "off")
    (root / "pyproject.toml").write_text("[tool.loopsafe]\ncache = false\n")
    check(root)
    assert not (root / ".loopsafe_cache").exists()

    root = project(tmp_path / "elsewhere")
    (root / "pyproject.toml").write_text('[tool.loopsafe]\ncache-dir = ".cache/loopsafe"\n')
    first = check(root)
    assert (root / ".cache" / "loopsafe" / "run.json").is_file()
    assert not (root / ".loopsafe_cache").exists()
    assert check(root).stdout == first.stdout
