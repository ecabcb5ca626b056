"""The `loopsafe tests` command: JSON that validates against its schema, the table, the
commands per category, exit statuses, and one-line errors instead of tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from test_testsort_classify import NESTED
from testsort_helpers import Project

from loopsafe.model import ParseError
from loopsafe.testsort.classify import classify_files
from loopsafe.testsort.command import tests_command as command
from loopsafe.testsort.render import render_text

MIXED = {
    **NESTED,
    "tests/test_marked.py": """
        import pytest
        import redis

        pytestmark = [pytest.mark.asyncio, pytest.mark.unit]

        def test_cache():
            redis.Redis().ping()

        class TestPure:
            def test_a(self):
                assert True

            def test_ui(self, page):
                page.goto("http://localhost:8000")
        """,
    "tests/test_mixed.py": """
        def test_pure():
            assert True

        def test_db(db):
            assert db

        def test_ui(page):
            page.goto("http://localhost:8000")
        """,
}


def test_json_validates_and_has_the_spec_shape(
    project: Project, validator: jsonschema.protocols.Validator
) -> None:
    project.write(MIXED)
    run = project.run("--format", "json")
    assert run.code == 0
    doc = run.json()
    assert list(validator.iter_errors(doc)) == []
    assert list(doc) == ["version", "files"] and doc["version"] == 1
    for entry in doc["files"]:
        assert list(entry)[:5] == ["path", "category", "evidence", "markers", "conflict"]
        assert set(entry) <= {"path", "category", "evidence", "markers", "conflict", "items"}
        assert "items" not in entry or entry["items"]
    marked = run.files()["tests/test_marked.py"]
    assert marked["markers"] == ["asyncio", "unit"]
    assert marked["conflict"] == (
        "marked `unit`, but the evidence says e2e: drives a browser (pytest-playwright `page`) "
        "(line 13)"
    )
    assert "items" not in marked  # its tests inherit the module's mark
    mixed = run.files()["tests/test_mixed.py"]
    assert [(i["name"], i["category"]) for i in mixed["items"]] == [
        ("test_pure", "unit"),
        ("test_db", "integration"),
    ]


def test_json_paths_are_relative_to_the_cwd(
    project: Project, monkeypatch: pytest.MonkeyPatch, validator: jsonschema.protocols.Validator
) -> None:
    project.write(MIXED)
    monkeypatch.chdir(project.root.parent)
    doc = project.run("--format", "json", "proj/tests/api").json()
    assert [f["path"] for f in doc["files"]] == ["proj/tests/api/v1/test_items.py"]
    assert "(proj/tests/conftest.py:6)" in doc["files"][0]["evidence"][0]["reason"]
    assert list(validator.iter_errors(doc)) == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["files"][0].update(category="slow"),
        lambda d: d["files"][0].pop("conflict"),
        lambda d: d["files"][0].update(path="tests\\test_x.py"),
        lambda d: d["files"][0].update(evidence=[]),
        lambda d: d.update(extra=1),
        lambda d: d["files"][0].update(items=[{"name": "a b", "category": "unit", "evidence": []}]),
    ],
)
def test_the_schema_rejects_what_breaks_the_contract(
    project: Project, validator: jsonschema.protocols.Validator, mutate: object
) -> None:
    project.write({"tests/test_x.py": "def test_x():\n    pass\n"})
    doc = project.run("--format", "json").json()
    assert list(validator.iter_errors(doc)) == []
    assert callable(mutate)
    mutate(doc)
    assert list(validator.iter_errors(doc)) != []


def test_text_table_and_commands(project: Project) -> None:
    project.write(MIXED)
    run = project.run("tests")
    assert run.code == 0
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["FILE", "CATEGORY", "MARKERS", "EVIDENCE"]
    row = next(line for line in lines if line.startswith("tests/api/v1/test_items.py "))
    assert row.split()[1:3] == ["integration", "-"]
    assert "fixture `client` -> `repo` -> `db`" in row
    assert any(line.split()[:3] == ["::test_db", "integration", "-"] for line in lines)
    assert "  conflict: marked `unit`, but the evidence says e2e: drives a browser" in run.stdout
    assert "6 test files (10 test functions): 3 unit, 2 integration, 1 e2e." in run.stdout
    assert "1 file with a marker that contradicts the evidence." in run.stdout
    assert lines[-3:] == [
        "  pytest -m unit tests         # 3 files",
        "  pytest -m integration tests  # 2 files",
        "  pytest -m e2e tests          # 1 file",
    ]
    assert "`loopsafe tests --apply-markers` adds them" in run.stdout


def test_rich_table_on_a_terminal(project: Project) -> None:
    project.write(MIXED)
    outcome = classify_files(
        [(p, False, project.root) for p in sorted(project.root.rglob("test_*.py"))], project.root
    )
    text = render_text(outcome.files, [], [], applied=False, color=True)
    assert "\x1b[" in text and "┃" in text
    assert "pytest -m integration" in text


def test_a_missing_path_is_one_line_and_exit_2(project: Project) -> None:
    run = project.run("nope")
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr == "loopsafe: error: nope: no such file or directory\n"


def test_bad_usage_exits_2_without_a_traceback(project: Project) -> None:
    result = CliRunner().invoke(command, ["--format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "content",
    [
        b"def test_a(:\n    pass\n",
        b"def test_a():\n    x = '\x00'\n",
        b"def test_a():\n    return '\xff\xfe'\n",
        b"# -*- coding: no-such-codec -*-\ndef test_a():\n    pass\n",
    ],
)
def test_unparsable_files_are_reported_and_skipped(project: Project, content: bytes) -> None:
    project.write({"tests/test_bad.py": content, "tests/test_good.py": "def test_g():\n    pass\n"})
    run = project.run("--format", "json")
    assert run.code == 1
    assert list(run.files()) == ["tests/test_good.py"]
    (line,) = run.stderr.splitlines()
    assert line.startswith("tests/test_bad.py:") and ": could not parse, skipped: " in line
    text = project.run()
    assert text.code == 1
    assert "tests/test_bad.py:" in text.stdout and "Traceback" not in text.stdout + text.stderr


def test_a_broken_conftest_is_reported(project: Project) -> None:
    project.write(
        {
            "tests/conftest.py": "import pytest\n@pytest.fixture\ndef db(:\n",
            "tests/test_a.py": "def test_a(db):\n    pass\n",
        }
    )
    run = project.run()
    assert run.code == 1
    assert "tests/conftest.py:3: could not parse, skipped: " in run.stdout
    assert "tests/test_a.py" in run.stdout


def test_no_test_files(project: Project) -> None:
    project.write({"src/app.py": "x = 1\n"})
    assert project.run().stdout == "No test files found.\n"
    run = project.run("--format", "json")
    assert (run.code, run.json()) == (0, {"version": 1, "files": []})


def test_default_paths_follow_testpaths_and_exclude_is_honoured(project: Project) -> None:
    project.write(
        {
            "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
            "tests/test_a.py": "def test_a():\n    pass\n",
            "tests/slow/test_b.py": "def test_b():\n    pass\n",
            "scripts/test_tool.py": "def test_tool():\n    pass\n",
        }
    )
    assert list(project.run("--format", "json").files()) == [
        "tests/slow/test_b.py",
        "tests/test_a.py",
    ]
    assert list(project.run("--format", "json", ".").files()) == [
        "scripts/test_tool.py",
        "tests/slow/test_b.py",
        "tests/test_a.py",
    ]
    excluded = project.run("--format", "json", "--exclude", "slow/")
    assert list(excluded.files()) == ["tests/test_a.py"]


def test_json_is_deterministic(project: Project) -> None:
    project.write(MIXED)
    first = project.run("--format", "json").stdout
    assert project.run("--format", "json").stdout == first
    json.loads(first)


def test_parse_errors_are_listed_in_text_output(tmp_path: Path) -> None:
    text = render_text(
        [], [ParseError("tests/test_x.py", 3, "invalid syntax")], [], applied=False, color=False
    )
    assert text.splitlines()[0] == "tests/test_x.py:3: could not parse, skipped: invalid syntax"
