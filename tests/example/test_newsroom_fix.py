"""The proof that matters: `loopsafe fix --unsafe-fixes` turns the example's failing suite
green, and then `loopsafe check` has nothing left to fix.

The example is copied to a temporary directory; its suite runs for real before and after,
in a subprocess with this interpreter, and both runs' outcomes come from JUnit reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the example project's own suite

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "newsroom"
LOOP_CONFLICTS = (
    "asyncio.run() cannot be called from a running event loop",
    "There is no current event loop",
    "attached to a different loop",
    "Event loop is closed",
    "This event loop is already running",
)


def _suite(project: Path, junit: Path) -> dict[str, str]:
    """Run the example's tests; node id -> "passed", or the failure message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NEWSROOM_"))}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert junit.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    outcomes: dict[str, str] = {}
    for case in ET.parse(junit).iter("testcase"):
        nodeid = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcomes[nodeid] = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcomes[nodeid] = f"{child.get('message', '')}\n{child.text or ''}"
    return outcomes


def _loopsafe(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loopsafe", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def fixed_example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("fix")
    project = work / "newsroom"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache", "*.db")
    )
    before = _suite(project, work / "before.xml")
    sources = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    fix = _loopsafe(project, "fix", "--unsafe-fixes", "--no-cache", ".")
    changed = sorted(
        str(p.relative_to(project)) for p, data in sources.items() if p.read_bytes() != data
    )
    after = _suite(project, work / "after.xml")
    again = _loopsafe(project, "fix", "--unsafe-fixes", "--no-cache", ".")
    check = _loopsafe(project, "check", "--format", "json", "--no-cache", ".")
    return {
        "before": before,
        "after": after,
        "fix": fix,
        "again": again,
        "changed": changed,
        "check": json.loads(check.stdout),
        "project": project,
    }


def test_suite_fails_before_for_loop_conflicts_only(fixed_example: dict[str, object]) -> None:
    before = fixed_example["before"]
    assert isinstance(before, dict)
    failing = {k: v for k, v in before.items() if v != "passed"}
    assert len(failing) > 0
    for nodeid, message in failing.items():
        assert any(c in message for c in LOOP_CONFLICTS), (nodeid, message[:400])


def test_fix_turns_the_suite_green(fixed_example: dict[str, object]) -> None:
    before, after = fixed_example["before"], fixed_example["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert sorted(after) == sorted(before), "the same tests ran"
    failing = {k: v[:400] for k, v in after.items() if v != "passed"}
    assert failing == {}


def test_fix_reports_what_it_did(fixed_example: dict[str, object]) -> None:
    fix = fixed_example["fix"]
    assert isinstance(fix, subprocess.CompletedProcess)
    assert "Traceback" not in fix.stderr
    summary = [line for line in fix.stdout.splitlines() if line.startswith("Fixed ")]
    assert summary and "0 skipped" in summary[0], fix.stdout[-2000:]
    changed = fixed_example["changed"]
    assert isinstance(changed, list)
    # Source, tests and the pytest configuration (LS301 moves the loop scope there).
    assert "pyproject.toml" in changed
    assert any(c.startswith("src/") for c in changed)
    assert any(c.startswith("tests/") for c in changed)


def test_fix_is_idempotent_and_leaves_nothing_to_fix(fixed_example: dict[str, object]) -> None:
    again = fixed_example["again"]
    assert isinstance(again, subprocess.CompletedProcess)
    assert "Fixed 0 finding(s) in 0 file(s)" in again.stdout, again.stdout[-2000:]
    report = fixed_example["check"]
    assert isinstance(report, dict)
    actions = {f["action"] for f in report["findings"]}
    assert "fix" not in actions
    assert report["parse_errors"] == []


# How a Jupyter kernel runs a cell: inside a running loop, with ipykernel imported, so the
# notebook helper applies nest_asyncio (as the project's own script does in a kernel).
_KERNEL_CELL = """
import asyncio, runpy, sys, types
sys.modules.setdefault("ipykernel", types.ModuleType("ipykernel"))
async def cell():
    runpy.run_path("scripts/notebook_demo.py", run_name="__main__")
asyncio.run(cell())
print("cell done")
"""


def test_notebook_in_a_running_loop_still_works_after_the_fix(
    fixed_example: dict[str, object], tmp_path: Path
) -> None:
    """The project applies nest_asyncio for its notebook: the sync wrapper's fix must keep
    callers inside a running loop working (run_sync(..., allow_running_loop=True)), not
    turn every call into an error."""
    project = fixed_example["project"]
    assert isinstance(project, Path)
    assert "allow_running_loop=True" in (project / "src/newsroom/api.py").read_text()
    run = subprocess.run(
        [sys.executable, "-c", _KERNEL_CELL, str(tmp_path / "nb.db"), "tests/fixtures/feeds"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "cell done" in run.stdout
    assert "]" in run.stdout  # headlines printed: `[source] title`
