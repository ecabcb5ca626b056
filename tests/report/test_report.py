"""`loopsafe report`: every number in the Markdown equals the JSON, the example project's
report is pinned by a snapshot, `fix --report` describes the fixes it applied, and runtime
results become the Impact section."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "newsroom"
SNAPSHOT = HERE / "snapshots" / "newsroom.md"
REGENERATE = os.environ.get("LOOPSAFE_REGENERATE_SNAPSHOTS") == "1"


def _copy(tmp: Path) -> Path:
    project = tmp / "newsroom"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
    return project


def _loopsafe(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loopsafe", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = _copy(tmp_path_factory.mktemp("report"))
    md = _loopsafe(project, "report", ".")
    js = _loopsafe(project, "report", ".", "--format", "json")
    # Exit 1 as `check`: the example has findings to fix and review.
    assert md.returncode == 1, md.stderr
    assert js.returncode == 1, js.stderr
    return {"project": project, "md": md.stdout, "json": json.loads(js.stdout)}


def _section(md: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


def test_summary_numbers_equal_the_json(example: dict[str, Any]) -> None:
    md, data = example["md"], example["json"]
    summary = data["summary"]
    text = _section(md, "Summary")
    sites = summary["sites"]
    assert (
        f"- Sites: {sites['total']} ({sites['source']} in source, {sites['tests']} in tests), "
        f"in {summary['files_scanned']} files scanned"
    ) in text
    fixes = summary["fixes"]
    for label, key in (
        ("Fixed now", "fixed_now"),
        ("Fixable (`loopsafe fix --unsafe-fixes`)", "fixable"),
        ("To fix by hand", "not_fixable"),
        ("Left for review", "left_for_review"),
        ("Accepted as they are", "accepted"),
    ):
        assert f"- {label}: {fixes[key]}\n" in text
    assert f"- Files that could not be parsed: {summary['parse_errors']}" in text
    rows = dict(re.findall(r"^\| ([a-z-]+) \| (\d+) \|$", text, re.M))
    for action, count in summary["by_action"].items():
        assert int(rows[action]) == count
    for category, count in summary["by_category"].items():
        if count:
            assert int(rows[category]) == count
    # The numbers hold together.
    assert sites["total"] == sum(summary["by_action"].values())
    assert sites["total"] == sum(summary["by_category"].values())
    assert fixes["fixable"] + fixes["not_fixable"] == summary["by_action"]["fix"]
    assert fixes["accepted"] == summary["by_action"]["ok"]


def test_every_fix_section_matches_the_json(example: dict[str, Any]) -> None:
    md, data = example["md"], example["json"]
    headings = re.findall(r"^### \d+\. `([^`]+)` — (LS\d+) ", _section(md, "Fixes"), re.M)
    assert headings == [(f"{f['path']}:{f['line']}", f["code"]) for f in data["fixes"]]
    # 11 with LS402 on FeedIngestor.__init__ and LS403 on the conftest policy call
    assert len(data["fixes"]) == data["summary"]["fixes"]["fixable"] == 11
    for fix in data["fixes"]:
        assert fix["before"] and fix["after"] and fix["before"] != fix["after"]
        assert fix["before"] in md and fix["after"] in md


def test_left_as_is_is_grouped_with_reasons(example: dict[str, Any]) -> None:
    md, data = example["md"], example["json"]
    groups = data["left_as_is"]
    assert {"entrypoint", "worker-task", "thread", "guarded", "test-code"} <= set(groups)
    section = _section(md, "Left as it is")
    total = 0
    for items in groups.values():
        total += len(items)
        for item in items:
            assert item["reason"].startswith("Accepted:")
            assert f"`{item['path']}:{item['line']}` {item['code']}: {item['reason']}" in section
    assert total == data["summary"]["fixes"]["accepted"]


def test_remaining_and_config_sections(example: dict[str, Any]) -> None:
    md, data = example["md"], example["json"]
    remaining = _section(md, "Remaining issues")
    for item in data["remaining"]:
        assert f"`{item['path']}:{item['line']}` {item['code']}" in remaining
        if item["call_path"]:
            assert " -> ".join(item["call_path"]) in remaining
    config = _section(md, "pytest configuration")
    for item in data["pytest_config"]:
        assert f"`{item['path']}:{item['line']}` {item['code']}" in config
    assert "loopsafe check" in _section(md, "Verification")
    # newsroom does not depend on loopsafe: its fixes import a copy vendored into it.
    assert data["helper"]["source"] == "vendored"
    assert data["helper"]["import"] == "from newsroom._loopsafe_runtime import run_sync"


def test_snapshot_of_the_example_report(example: dict[str, Any]) -> None:
    if REGENERATE:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(example["md"], encoding="utf-8")
    assert SNAPSHOT.exists(), "run with LOOPSAFE_REGENERATE_SNAPSHOTS=1 to create it"
    assert example["md"] == SNAPSHOT.read_text(encoding="utf-8")


def test_fix_report_describes_the_applied_fixes(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    run = _loopsafe(project, "fix", "--unsafe-fixes", "--report", "audit.json", ".")
    assert "Wrote the report to audit.json." in run.stdout, run.stdout + run.stderr
    data = json.loads((project / "audit.json").read_text())
    assert data["summary"]["fixes"]["fixed_now"] == 11
    assert data["summary"]["fixes"]["fixable"] == 0
    assert all(f["applied"] for f in data["fixes"])
    after = _loopsafe(project, "report", ".", "--format", "json")
    assert json.loads(after.stdout)["summary"]["by_action"]["fix"] == 0


def _runtime(failed: list[tuple[str, str, str, int]], total: int) -> dict[str, Any]:
    return {
        "version": 1,
        "tests": {"total": total, "failed": len(failed), "failed_by_loop_conflict": len(failed)},
        "conflicts": [
            {
                "test": test,
                "outcome": "failed",
                "error": error,
                "site": {"path": path, "line": line},
            }
            for test, error, path, line in failed
        ],
    }


def test_impact_from_runtime_results(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    before = _runtime(
        [
            (
                "tests/test_web.py::test_a",
                "RuntimeError: asyncio.run() cannot be called from a running event loop",
                "src/newsroom/web/routes.py",
                55,
            ),
            (
                "tests/test_web.py::test_b",
                "RuntimeError: asyncio.run() cannot be called from a running event loop",
                "src/newsroom/services/summary.py",
                54,
            ),
            (
                "tests/test_ingest.py::test_c",
                "RuntimeError: Task got Future attached to a different loop",
                "src/newsroom/services/ingest.py",
                41,
            ),
        ],
        47,
    )
    after = _runtime([], 47)
    (tmp_path / "before.json").write_text(json.dumps(before))
    (tmp_path / "after.json").write_text(json.dumps(after))
    args = ["report", ".", "--before", str(tmp_path / "before.json")]
    args += ["--after", str(tmp_path / "after.json")]
    md = _loopsafe(project, *args).stdout
    data = json.loads(_loopsafe(project, *args, "--format", "json").stdout)
    impact = data["impact"]
    assert impact["before"]["failed_by_loop_conflict"] == 3
    assert impact["before"]["sites"] == 3
    assert impact["before"]["by_error"] == {
        "asyncio.run() cannot be called from a running event loop": 2,
        "attached to a different loop": 1,
    }
    assert impact["after"]["failed"] == 0
    section = _section(md, "Impact")
    assert "| before | 47 | 3 | 3 | 3 |" in section
    assert "| after | 47 | 0 | 0 | 0 |" in section
    assert "- asyncio.run() cannot be called from a running event loop: 2" in section


def test_bad_runtime_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"not": "a runtime file"}')
    run = _loopsafe(tmp_path, "report", ".", "--before", str(tmp_path / "bad.json"))
    assert run.returncode == 2
    assert "--before" in run.stderr and "Traceback" not in run.stderr


def test_select_exclude_and_quiet_shape_the_report(tmp_path: Path) -> None:
    """The options every analysing command takes work here too: --select keeps those rule
    codes, --exclude leaves files out, -q keeps stderr empty, and the numbers still add up."""
    project = _copy(tmp_path)
    out = tmp_path / "report.json"
    run = _loopsafe(
        project,
        "report",
        ".",
        "--format",
        "json",
        "--select",
        "LS1",
        "--exclude",
        "tests/",
        "--no-cache",
        "-j",
        "1",
        "-q",
        "-o",
        str(out),
    )
    assert run.returncode == 1, run.stderr  # LS1 findings are left in src/
    assert run.stderr == "" and run.stdout == ""
    data = json.loads(out.read_text("utf-8"))
    summary = data["summary"]
    assert summary["sites"]["tests"] == 0
    codes = {f["code"] for f in data["fixes"]} | {f["code"] for f in data["remaining"]}
    assert codes and all(code.startswith("LS1") for code in codes)
    assert sum(summary["by_action"].values()) == summary["sites"]["total"]
    assert summary["by_category"]["pytest-config"] == 0

    bad = _loopsafe(project, "report", ".", "--select", "LS9")
    assert bad.returncode == 2 and "LS9" in bad.stderr and "Traceback" not in bad.stderr


def test_the_report_groups_every_conflict_the_plugin_records() -> None:
    """One list of conflict phrases: every error the plugin records gets a label of its
    kind in the report (the report's own list used to miss 'bound to a different event
    loop' and 'belongs to a different loop')."""
    from loopsafe.conflicts import PHRASES, VALUE_ERROR_PHRASES, conflict_label
    from loopsafe.pytest_plugin._tracer import conflict_text
    from loopsafe.report.build import _runtime_summary

    errors = [f"RuntimeError: something {phrase} here" for phrase in PHRASES]
    errors += [f"ValueError: The future {phrase}" for phrase in VALUE_ERROR_PHRASES]
    errors.append(
        "RuntimeError: run_sync(coro) was called at app.py:3 while an event loop is running"
    )
    assert all(conflict_label(e) for e in errors)
    raised = [RuntimeError(e.partition(": ")[2]) for e in errors[: len(PHRASES)]]
    assert all(conflict_text(exc) for exc in raised)
    summary = _runtime_summary(
        {
            "tests": {"total": len(errors), "failed": len(errors)},
            "conflicts": [
                {
                    "test": f"t{i}",
                    "outcome": "failed",
                    "error": e,
                    "site": {"path": "a.py", "line": i},
                }
                for i, e in enumerate(errors)
            ],
        }
    )
    assert summary is not None
    assert sum(summary["by_error"].values()) == len(errors)
    assert not any(
        label.startswith(("RuntimeError", "ValueError")) for label in summary["by_error"]
    )


UPGRADE_CASE = HERE.parent / "cases" / "upgrade_readiness"


def _counts(project: dict[str, Any], when: str) -> dict[str, tuple[int, int, int]]:
    return {
        row["python"]: (row[when]["work"], row[when]["warn"], row[when]["break"])
        for row in project["versions"]
    }


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = tmp_path_factory.mktemp("upgrade") / "upgrade_readiness"
    shutil.copytree(UPGRADE_CASE, project, ignore=shutil.ignore_patterns("*.fixed.py", "*.txt"))
    md = _loopsafe(project, "report", ".", "--no-cache")
    js = _loopsafe(project, "report", ".", "--no-cache", "--format", "json")
    assert md.returncode == 1 and js.returncode == 1, md.stderr + js.stderr  # findings
    return {"project": project, "md": md.stdout, "json": json.loads(js.stdout)["upgrade"]}


def test_upgrade_readiness_counts_per_version_before_and_after(upgrade: dict[str, Any]) -> None:
    """Three Python ranges (two sub-projects and a PEP 723 script), each from its oldest
    Python to 3.16; a site is fixed only when its own fix is applied, and the shim and the
    guarded call (LS100) are not counted."""
    data = upgrade["json"]
    assert (data["newest_released"], data["in_development"]) == ("3.15", "3.16")
    assert {r["code"] for r in data["rules"]} >= {"LS202", "LS401", "LS402"}
    projects = {p["project"]: p for p in data["projects"]}
    assert list(projects) == ["legacy", "modern", "scripts/poll.py"]

    legacy = projects["legacy"]
    assert (legacy["minimum"], legacy["maximum"], legacy["maximum_from"]) == (
        "3.9",
        "3.13",
        "requires-python",
    )
    assert [r["python"] for r in legacy["versions"] if not r["supported"]] == [
        "3.14",
        "3.15",
        "3.16",
    ]
    unchanged = {
        "3.9": (2, 0, 0),
        "3.10": (2, 0, 0),
        "3.11": (2, 0, 0),
        "3.12": (1, 1, 0),
        "3.13": (1, 1, 0),
        "3.14": (0, 1, 1),
        "3.15": (0, 1, 1),
        "3.16": (0, 0, 2),
    }
    assert _counts(legacy, "before") == _counts(legacy, "after") == unchanged

    modern = projects["modern"]
    assert (modern["minimum"], modern["maximum"], modern["sites"]) == ("3.12", "3.15", 4)
    assert _counts(modern, "before") == {
        "3.12": (2, 2, 0),
        "3.13": (2, 2, 0),
        "3.14": (0, 2, 2),
        "3.15": (0, 2, 2),
        "3.16": (0, 0, 4),
    }
    # Fixed: both get_event_loop() sites (LS402; `later` is library API, so outside
    # callers may call it with no loop set) and one LS401; the LS401 handed on as a value
    # is left, deprecated from 3.14 and gone in 3.16.
    assert _counts(modern, "after") == {
        "3.12": (4, 0, 0),
        "3.13": (4, 0, 0),
        "3.14": (3, 1, 0),
        "3.15": (3, 1, 0),
        "3.16": (3, 0, 1),
    }
    breaking = {g["python"]: g["sites"] for g in modern["breaking"]}
    assert [(s["line"], s["code"], s["fixed"]) for s in breaking["3.14"]] == [
        (8, "LS402", True),
        (30, "LS402", True),
    ]
    assert [(s["line"], s["code"], s["fixed"]) for s in breaking["3.16"]] == [
        (12, "LS401", True),
        (16, "LS401", False),
    ]
    assert breaking["3.16"][1]["not_fixed"] == "it is handed on as a value; replace it by hand"

    script = projects["scripts/poll.py"]
    assert (script["minimum"], script["maximum"]) == ("3.11", "3.15")
    assert _counts(script, "before") == {
        "3.11": (1, 0, 0),
        "3.12": (0, 1, 0),
        "3.13": (0, 1, 0),
        "3.14": (0, 0, 1),
        "3.15": (0, 0, 1),
        "3.16": (0, 0, 1),
    }
    assert set(_counts(script, "after").values()) == {(1, 0, 0)}


def test_upgrade_readiness_markdown_is_the_json(upgrade: dict[str, Any]) -> None:
    section = _section(upgrade["md"], "Upgrade readiness")
    for project in upgrade["json"]["projects"]:
        assert f"### `{project['project']}`: Python {project['minimum']} to " in section
        for row in project["versions"]:
            before, after = row["before"], row["after"]
            cells = [before[k] for k in ("work", "warn", "break")]
            cells += [after[k] for k in ("work", "warn", "break")]
            assert re.search(
                rf"^\| {re.escape(row['python'])} \| [^|]+ \| " + " \\| ".join(map(str, cells)),
                section,
                re.M,
            ), row
        for group in project["breaking"]:
            for site in group["sites"]:
                assert f"`{site['path']}:{site['line']}` {site['code']} " in section
    assert "| 3.14 | beyond 3.13 |" in section
    assert "| 3.16 | beyond 3.15, in development |" in section


def test_upgrade_readiness_after_is_what_the_fixer_leaves(upgrade: dict[str, Any]) -> None:
    """Apply `fix --unsafe-fixes` for real and report again: what still warns or breaks on
    each version is what the first report predicted for after the fixes."""
    project = upgrade["project"].parent / "fixed"
    shutil.copytree(upgrade["project"], project)
    run = _loopsafe(project, "fix", "--unsafe-fixes", "--no-cache", "--report", "audit.json", ".")
    assert run.returncode in (0, 1), run.stderr
    audit = json.loads((project / "audit.json").read_text("utf-8"))["upgrade"]
    assert audit["fixes_applied"] and not upgrade["json"]["fixes_applied"]
    assert [_counts(p, "after") for p in audit["projects"]] == [
        _counts(p, "after") for p in upgrade["json"]["projects"]
    ]
    again = _loopsafe(project, "report", ".", "--no-cache", "--format", "json")
    now = {p["project"]: p for p in json.loads(again.stdout)["upgrade"]["projects"]}
    for predicted in upgrade["json"]["projects"]:
        expected = {v: c[1:] for v, c in _counts(predicted, "after").items()}
        found = now.get(predicted["project"])
        if found is None:  # every site of it fixed: nothing left to count
            assert set(expected.values()) == {(0, 0)}
            continue
        assert {v: c[1:] for v, c in _counts(found, "before").items()} == expected


def test_upgrade_readiness_follows_the_target_version(upgrade: dict[str, Any]) -> None:
    """`report --target-version py313`, as for `check`: the versions past it are marked, and
    the no-loop `get_event_loop()` is LS202 (review, no fix) there, so it still breaks on
    3.14 after the fixes."""
    run = _loopsafe(
        upgrade["project"],
        "report",
        ".",
        "--no-cache",
        "--format",
        "json",
        "--target-version",
        "py313",
    )
    assert run.returncode == 1, run.stderr
    modern = next(
        p for p in json.loads(run.stdout)["upgrade"]["projects"] if p["project"] == "modern"
    )
    assert (modern["maximum"], modern["maximum_from"]) == ("3.13", "target-version")
    assert [r["python"] for r in modern["versions"] if r["supported"]] == ["3.12", "3.13"]
    breaking = {g["python"]: g["sites"] for g in modern["breaking"]}
    assert [(s["line"], s["code"], s["fixed"]) for s in breaking["3.14"]] == [
        (8, "LS202", False),
        (30, "LS202", False),
    ]
    assert _counts(modern, "after")["3.14"] == (1, 1, 2)
