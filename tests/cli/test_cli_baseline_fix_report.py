"""`fix --baseline` and `report --baseline` (issue 15, adoption): what a baseline records is
left as it is. `fix` neither fixes nor reports it, and its summary line says how many it
left alone. `report` covers only new findings and says how many the baseline left out.
Real `python -m loopsafe` subprocesses on real files.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import spawn, write

LEGACY = """\
import asyncio


async def fetch():
    return 1


def fetch_sync():
    return asyncio.run(fetch())


async def refresh():
    loop = asyncio.get_event_loop()
    return asyncio.run(fetch()), loop
"""
NEW = """\
import asyncio


async def load():
    return 2


async def handler():
    return asyncio.run(load())
"""
BASELINE = "loopsafe-baseline.json"


def _project(root: Path) -> Path:
    """A legacy module with three findings, recorded in the baseline; then a new module
    with one more."""
    project = (
        write(
            root,
            {
                "proj/pyproject.toml": '[project]\nname = "proj"\nversion = "1"\n',
                "proj/app/__init__.py": "",
                "proj/app/legacy.py": LEGACY,
            },
        )
        / "proj"
    )
    run = spawn(["check", "--write-baseline", "--no-cache"], project)
    assert (run.code, run.stdout) == (0, f"Wrote 3 finding(s) to the baseline {BASELINE}.\n")
    write(project, {"app/new.py": NEW})
    return project


def _codes(project: Path, *args: str) -> list[tuple[str, str]]:
    run = spawn(["check", "--format", "json", "--no-cache", *args], project)
    assert run.code in (0, 1), run.stderr
    return sorted((f["path"], f["code"]) for f in run.findings() if f["action"] != "ok")


def test_fix_leaves_what_the_baseline_records(tmp_path: Path) -> None:
    project = _project(tmp_path)
    legacy = (project / "app" / "legacy.py").read_bytes()

    run = spawn(["fix", "--baseline", BASELINE, "--no-cache"], project)
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[0] == (
        "Fixed 1 finding(s) in 1 file(s); 0 skipped; 0 left for review; "
        f"3 in the baseline {BASELINE} left as they are."
    )
    assert run.stderr == ""
    assert (project / "app" / "legacy.py").read_bytes() == legacy
    assert "await load()" in (project / "app" / "new.py").read_text()
    # The new finding is fixed; the recorded ones are still there, and still recorded.
    assert _codes(project, "--baseline", BASELINE) == []
    assert _codes(project) == [
        ("app/legacy.py", "LS101"),
        ("app/legacy.py", "LS104"),
        ("app/legacy.py", "LS201"),
    ]


def test_without_a_baseline_fix_fixes_everything(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run = spawn(["fix", "--no-cache"], project)
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[0].startswith("Fixed 4 finding(s) in ")
    assert "baseline" not in run.stdout


def test_diff_and_check_fix_take_the_baseline_too(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = {p.name: p.read_bytes() for p in (project / "app").iterdir()}
    summary = (
        "Would fix 1 finding(s) in 1 file(s); 0 skipped; 0 left for review; "
        f"3 in the baseline {BASELINE} left as they are."
    )
    for command in (["fix", "--diff"], ["check", "--diff"]):
        run = spawn([*command, "--baseline", BASELINE, "--no-cache"], project)
        assert run.code == 1, run.stderr  # it would change a file
        assert run.stderr.splitlines()[0] == summary
        assert "+++ b/app/new.py" in run.stdout and "legacy.py" not in run.stdout
    assert {p.name: p.read_bytes() for p in (project / "app").iterdir()} == before

    run = spawn(["check", "--fix", "--baseline", BASELINE, "--no-cache"], project)
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[0] == summary.replace("Would fix", "Fixed")
    assert (project / "app" / "legacy.py").read_bytes() == before["legacy.py"]


def test_fix_reads_the_baseline_set_in_pyproject(tmp_path: Path) -> None:
    project = _project(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.loopsafe]\nbaseline = "{BASELINE}"\n')
    legacy = (project / "app" / "legacy.py").read_bytes()
    run = spawn(["fix", "--no-cache"], project / "app")  # from a sub-folder
    assert run.code == 0, run.stderr
    expected = f"3 in the baseline ../{BASELINE} left as they are."
    assert run.stdout.splitlines()[0].endswith(expected), run.stdout
    assert (project / "app" / "legacy.py").read_bytes() == legacy


def test_no_baseline_sets_the_configured_one_aside(tmp_path: Path) -> None:
    """With `baseline` in [tool.loopsafe], --no-baseline is how the recorded findings get
    fixed (and reported) after all."""
    project = _project(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.loopsafe]\nbaseline = "{BASELINE}"\n')
    assert _codes(project) == [("app/new.py", "LS101")]
    assert len(_codes(project, "--no-baseline")) == 4
    report = spawn(["report", "--format", "json", "--no-baseline", "--no-cache"], project)
    assert "baseline" not in report.json() and report.json()["summary"]["sites"]["total"] == 4

    run = spawn(["fix", "--no-baseline", "--no-cache"], project)
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[0].startswith("Fixed 4 finding(s) in ")
    assert "baseline" not in run.stdout.splitlines()[0]
    assert _codes(project, "--no-baseline") == []

    for args in (["fix", "--baseline", BASELINE], ["check", "--write-baseline"]):
        spawn([*args, "--no-baseline"], project).assert_one_line_error(
            "--no-baseline cannot be used together"
        )


def test_fix_with_a_bad_baseline_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = (project / "app" / "new.py").read_bytes()
    run = spawn(["fix", "--baseline", "missing.json", "--no-cache"], project)
    assert run.code == 2
    run.assert_one_line_error("missing.json: no such baseline file")
    (project / "bad.json").write_text('{"version": 7}')
    run = spawn(["report", "--baseline", "bad.json", "--no-cache"], project)
    assert run.code == 2 and run.stdout == ""
    run.assert_one_line_error("bad.json: not a loopsafe baseline")
    assert (project / "app" / "new.py").read_bytes() == before


def test_report_covers_only_new_findings(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run = spawn(["report", "--format", "json", "--baseline", BASELINE, "--no-cache"], project)
    assert run.code == 1, run.stderr  # the new finding
    data = run.json()
    assert data["baseline"] == {"file": BASELINE, "hidden": 3, "stale": 0}
    assert data["summary"]["sites"]["total"] == 1
    assert [(f["path"], f["code"]) for f in data["fixes"]] == [("app/new.py", "LS101")]

    whole = spawn(["report", "--format", "json", "--no-cache"], project).json()
    assert "baseline" not in whole
    assert whole["summary"]["sites"]["total"] == 4

    markdown = spawn(["report", "--baseline", BASELINE, "--no-cache"], project)
    assert f"- Left out by the baseline `{BASELINE}`: 3 finding(s)\n" in markdown.stdout

    (project / "app" / "new.py").unlink()  # nothing new left: a clean report
    run = spawn(["report", "--format", "json", "--baseline", BASELINE, "--no-cache"], project)
    assert run.code == 0, run.stderr
    assert run.json()["summary"]["sites"]["total"] == 0


def test_the_audit_report_of_fix_says_what_the_baseline_left_out(tmp_path: Path) -> None:
    project = _project(tmp_path)
    legacy = project / "app" / "legacy.py"
    legacy.write_text(legacy.read_text().replace("    loop = asyncio.get_event_loop()\n", ""))
    run = spawn(["fix", "--baseline", BASELINE, "--report", "audit.json", "--no-cache"], project)
    assert run.code == 0, run.stderr
    audit = json.loads((project / "audit.json").read_text())
    assert audit["baseline"] == {"file": BASELINE, "hidden": 2, "stale": 1}
    assert audit["summary"]["fixes"]["fixed_now"] == 1
