"""`pytest --loopsafe` on a project that hits every kind of loop conflict (real sessions).

Each run is a pytest subprocess on a pytester project with pytest-asyncio; the expected site
of each conflict is the line tagged `# SITE: <name>` in the project's source.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from plugin_helpers import (
    EXPECTED,
    FAILING_WITHOUT_CONFLICT,
    FAST,
    PASSING_WITHOUT_CONFLICT,
    TEST_FILE,
    Run,
    load_schema,
    run_pytest,
    site_line,
    write_project,
)

pytest_plugins = ("pytester",)


def _expected_conflicts(pytester: pytest.Pytester) -> dict[str, tuple[int, str, str]]:
    loops = pytester.path / "app" / "loops.py"
    return {
        f"{TEST_FILE}::{name}": (site_line(loops, marker), phrase, outcome)
        for name, (marker, phrase, outcome) in EXPECTED.items()
    }


def _check_conflicts(pytester: pytest.Pytester, run: Run) -> None:
    assert run.runtime is not None, run.output[-3000:]
    expected = _expected_conflicts(pytester)
    for nodeid, (line, phrase, outcome) in expected.items():
        [conflict] = run.conflicts_of(nodeid)
        assert conflict["site"] == {"path": "app/loops.py", "line": line}, (nodeid, conflict)
        assert phrase in conflict["error"], (nodeid, conflict)
        assert conflict["outcome"] == outcome == run.outcomes[nodeid], (nodeid, conflict)
    # Nothing else: pytest-asyncio's own probes for the current loop, asyncio.run() in sync
    # code and an unrelated failure leave no record.
    assert {c["test"] for c in run.runtime["conflicts"]} == set(expected)
    for name in PASSING_WITHOUT_CONFLICT + FAILING_WITHOUT_CONFLICT:
        assert not run.conflicts_of(f"{TEST_FILE}::{name}")


def _check_counts(run: Run) -> None:
    assert run.runtime is not None
    failed = [k for k, v in run.outcomes.items() if v in ("failed", "error")]
    conflicted = {c["test"] for c in run.runtime["conflicts"] if c["outcome"] == "failed"}
    assert run.runtime["tests"] == {
        "total": len(run.outcomes),
        "failed": len(failed),
        "failed_by_loop_conflict": len(conflicted),
    }
    assert run.runtime["tests"]["failed_by_loop_conflict"] == len(failed) - len(
        FAILING_WITHOUT_CONFLICT
    )


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_every_conflict_kind_is_traced_and_outcomes_do_not_change(
    pytester: pytest.Pytester, mode: str
) -> None:
    write_project(pytester, mode)
    plain = run_pytest(pytester, "-rA", loopsafe=False)
    assert not (pytester.path / ".loopsafe").exists()
    assert "loop conflicts" not in plain.output.lower()

    traced = run_pytest(pytester, "-rA")
    assert traced.ret == plain.ret == 1
    assert traced.outcomes == plain.outcomes
    assert len(traced.outcomes) == len(EXPECTED) + 3
    _check_conflicts(pytester, traced)
    _check_counts(traced)
    assert traced.runtime is not None
    jsonschema.validate(traced.runtime, load_schema())
    assert list(traced.runtime) == ["version", "tests", "conflicts"]
    assert traced.runtime["version"] == 1

    assert "Loop conflicts: 11 failing tests trace to 11 sites" in traced.output
    assert "Caught and swallowed in 3 passing tests at 3 sites" in traced.output
    assert "Wrote .loopsafe/runtime.json" in traced.output
    swallowed = site_line(pytester.path / "app" / "loops.py", "swallowed")
    row = next(line for line in traced.output.splitlines() if f"loops.py:{swallowed} " in line)
    assert "1 failed, 1 passed" in row and "asyncio.run() cannot be called" in row


@pytest.mark.slow
def test_xdist_workers_records_merge_into_the_same_file(pytester: pytest.Pytester) -> None:
    write_project(pytester, "auto")
    single = run_pytest(pytester)
    distributed = run_pytest(pytester, "-n", "2")
    assert "2 workers" in distributed.output
    assert distributed.outcomes == single.outcomes
    assert distributed.runtime == single.runtime
    _check_conflicts(pytester, distributed)
    assert "Loop conflicts: 11 failing tests trace to 11 sites" in distributed.output
    assert distributed.output.count("Wrote .loopsafe/runtime.json") == 1


def test_conflict_that_breaks_collection_is_recorded(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    pytester.makepyfile(
        boot="""
        import asyncio

        loop = asyncio.new_event_loop()
        loop.close()
        ready = loop.run_until_complete(asyncio.sleep(0))  # SITE: import
        """,
        test_boot="""
        import boot

        def test_ready():
            assert boot.ready is None
        """,
        test_other="""
        def test_other():
            pass
        """,
    )
    run = run_pytest(pytester, "--continue-on-collection-errors")
    assert run.outcomes["test_other.py::test_other"] == "passed"
    assert sorted(run.outcomes.values()) == ["error", "passed"]
    assert run.runtime is not None
    jsonschema.validate(run.runtime, load_schema())
    assert run.runtime["tests"] == {"total": 1, "failed": 0, "failed_by_loop_conflict": 0}
    [conflict] = run.runtime["conflicts"]
    assert conflict == {
        "test": "test_boot.py",
        "outcome": "failed",
        "error": "RuntimeError: Event loop is closed",
        "site": {"path": "boot.py", "line": site_line(pytester.path / "boot.py", "import")},
    }


def test_schema_rejects_documents_that_break_the_contract() -> None:
    schema = load_schema()
    good: dict[str, Any] = {
        "version": 1,
        "tests": {"total": 2, "failed": 1, "failed_by_loop_conflict": 1},
        "conflicts": [
            {
                "test": "tests/test_a.py::test_a",
                "outcome": "failed",
                "error": "RuntimeError: Event loop is closed",
                "site": {"path": "src/a.py", "line": 3},
            }
        ],
    }
    jsonschema.validate(good, schema)
    bad_documents = [
        {**good, "version": 2},
        {**good, "extra": True},
        {**good, "tests": {"total": 1, "failed": 0}},
        {**good, "conflicts": [{**good["conflicts"][0], "outcome": "error"}]},
        {**good, "conflicts": [{**good["conflicts"][0], "site": {"path": "/abs/a.py", "line": 3}}]},
        {**good, "conflicts": [{**good["conflicts"][0], "site": {"path": "a\\b.py", "line": 3}}]},
        {**good, "conflicts": [{**good["conflicts"][0], "site": {"path": "a.py", "line": 0}}]},
    ]
    for document in bad_documents:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema)


def test_results_that_cannot_be_written_do_not_change_the_exit_status(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    (pytester.path / ".loopsafe").write_text("a file where the directory should be\n")
    result = pytester.runpytest_subprocess(*FAST, "--loopsafe", timeout=60)
    assert result.ret == 0
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["Loop conflicts: 0 failing tests trace to 0 sites", "loopsafe: could not write *"]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
