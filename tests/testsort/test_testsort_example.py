"""The bundled example project's suite: every file is a unit test (SQLite databases in
tmp dirs, an in-process ASGI app, the CLI through CliRunner, Celery tasks run eagerly,
feeds read from fixture files) and, once marked, pytest still collects it with the markers
registered."""

from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest
from testsort_helpers import Project, run_pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "newsroom"
TESTS = "examples/newsroom/tests"


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(REPO)
    return Project(REPO)


def test_the_example_suite_is_sorted_sensibly(
    in_repo: Project, validator: jsonschema.protocols.Validator
) -> None:
    run = in_repo.run("--format", "json", TESTS)
    assert run.code == 0, run.stderr
    assert list(validator.iter_errors(run.json())) == []
    files = run.files()
    assert set(files) == {
        f"{TESTS}/{name}"
        for name in (
            "test_api.py",
            "test_cli.py",
            "test_feeds.py",
            "test_ingest.py",
            "test_repository.py",
            "test_tasks.py",
            "test_web.py",
        )
    }
    assert {entry["category"] for entry in files.values()} == {"unit"}
    assert all(entry["conflict"] == "" and "items" not in entry for entry in files.values())
    assert files[f"{TESTS}/test_repository.py"]["markers"] == ["asyncio"]

    def why(name: str) -> str:
        return "\n".join(e["reason"] for e in files[f"{TESTS}/{name}"]["evidence"])

    feeds = f"fixture `feeds_dir` ({TESTS}/conftest.py:15): reads fixture files (fixtures/feeds/)"
    assert feeds in why("test_feeds.py")
    assert "in-process app client, no server (ASGITransport)" in why("test_web.py")
    assert "in-process app client, no server (TestClient)" in why("test_web.py")
    assert "runs the CLI in-process (click.testing)" in why("test_cli.py")
    assert "tasks run eagerly, in-process (no broker)" in why("test_tasks.py")


def test_the_example_still_collects_after_apply_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "newsroom"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    monkeypatch.chdir(copy)
    project = Project(copy)
    first = project.run("--apply-markers")
    assert first.code == 0, first.stdout + first.stderr
    assert first.stdout.count(": added pytestmark = pytest.mark.unit") == 7
    assert "pyproject.toml: registered the markers unit" in first.stdout
    assert 'pytestmark = [pytest.mark.asyncio(scope="module"), pytest.mark.unit]' in (
        project.read("tests/test_repository.py")
    )
    original = (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8")
    assert project.read("pyproject.toml").startswith(original)

    after = project.snapshot()
    assert project.run("--apply-markers").code == 0
    assert project.snapshot() == after

    result = run_pytest(
        copy,
        "--collect-only",
        "-q",
        "--strict-markers",
        "-W",
        "error::pytest.PytestUnknownMarkWarning",
        "-m",
        "unit",
        plugins=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests collected" in result.stdout
    assert "deselected" not in result.stdout  # every test is selected by `-m unit`
    assert "PytestUnknownMarkWarning" not in result.stdout + result.stderr
