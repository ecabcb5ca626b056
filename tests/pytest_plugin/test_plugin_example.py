"""`pytest --loopsafe` on the bundled example: its six failing tests trace to the labelled lines.

The example (examples/newsroom) is copied to a temporary directory and its suite run in a
subprocess with this interpreter; the sites come from the hand labels in
tests/example/newsroom_labels.toml (by rule code), never from line numbers written here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
from plugin_helpers import FAST, load_schema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "newsroom"
LABELS = REPO_ROOT / "tests" / "example" / "newsroom_labels.toml"

# Each failing test and the labelled site (path, rule code) its conflict comes from.
EXPECTED_SITES = {
    # asyncio.run() inside the async route
    "tests/test_web.py::test_list_sources": ("src/newsroom/web/routes.py", "LS101"),
    # asyncio.run() in a sync helper that the async digest route calls
    "tests/test_web.py::test_digest": ("src/newsroom/services/summary.py", "LS103"),
    # the ingestor cached the session loop (get_event_loop in __init__, run by the
    # session-scoped app) and the route awaits its executor future on the test's loop
    "tests/test_web.py::test_ingest_route": ("src/newsroom/services/ingest.py", "LS402"),
    # pool.submit(asyncio.run, ...) runs the coroutine on a second loop in a worker thread
    "tests/test_ingest.py::test_ingest_many": ("src/newsroom/services/ingest.py", "LS105"),
    # self._loop.run_until_complete() inside a coroutine
    "tests/test_ingest.py::test_prune": ("src/newsroom/services/ingest.py", "LS102"),
    # asyncio.run() in the sync fixture left no current loop; get_event_loop() then raises
    "tests/test_ingest.py::test_reingest_of_seeded_database": (
        "src/newsroom/services/ingest.py",
        "LS402",
    ),
}


def _labelled_line(path: str, code: str) -> int:
    labels = tomllib.loads(LABELS.read_text("utf-8"))["site"]
    [label] = [s for s in labels if s["path"] == path and s["code"] == code]
    lines = (EXAMPLE / path).read_text("utf-8").splitlines()
    [number] = [n for n, text in enumerate(lines, 1) if label["line"] in text]
    return number


def _run_example(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    project = tmp_path / "newsroom"
    shutil.copytree(
        EXAMPLE,
        project,
        ignore=shutil.ignore_patterns(
            "__pycache__", ".pytest_cache", "*.db", "outbox", ".loopsafe*"
        ),
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "NEWSROOM_")) and k != "PYTHONPATH"
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *FAST, "-q", "--loopsafe"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    runtime_file = project / ".loopsafe" / "runtime.json"
    assert runtime_file.exists(), (proc.stdout + proc.stderr)[-3000:]
    return proc, json.loads(runtime_file.read_text("utf-8"))


def test_example_failures_trace_to_the_labelled_lines(tmp_path: Path) -> None:
    proc, runtime = _run_example(tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:]
    jsonschema.validate(runtime, load_schema())
    assert runtime["tests"]["failed"] == len(EXPECTED_SITES)
    assert runtime["tests"]["failed_by_loop_conflict"] == len(EXPECTED_SITES)
    assert runtime["tests"]["total"] >= 40

    by_test: dict[str, list[dict[str, Any]]] = {}
    for conflict in runtime["conflicts"]:
        by_test.setdefault(conflict["test"], []).append(conflict)
    # Only the failing tests hit a conflict; every one of them is tied to its site.
    assert sorted(by_test) == sorted(EXPECTED_SITES)
    for nodeid, (path, code) in EXPECTED_SITES.items():
        site = {"path": path, "line": _labelled_line(path, code)}
        conflicts = by_test[nodeid]
        assert site in [c["site"] for c in conflicts], (nodeid, site, conflicts)
        assert {c["outcome"] for c in conflicts} == {"failed"}

    summary = proc.stdout[proc.stdout.index("loopsafe: event-loop conflicts") :]
    assert "Loop conflicts: 6 failing tests trace to 5 sites" in summary
    routes_line = _labelled_line("src/newsroom/web/routes.py", "LS101")
    assert f"src/newsroom/web/routes.py:{routes_line}" in summary
