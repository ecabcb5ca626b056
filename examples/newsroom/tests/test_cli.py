from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsroom.cli import main


@pytest.fixture
def run(tmp_path: Path, feeds_dir: Path):
    def invoke(*args: str, db: Path | None = None):
        runner = CliRunner()
        return runner.invoke(
            main, ["--db", str(db or tmp_path / "cli.db"), "--feeds", str(feeds_dir), *args]
        )

    return invoke


def test_ingest(run) -> None:
    result = run("ingest")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["world: 4 new of 4", "tech: 3 new of 3"]
    assert run("ingest", "tech").output == "tech: 0 new of 3\n"


def test_ingest_unknown_source(run) -> None:
    result = run("ingest", "sports")
    assert result.exit_code == 1
    assert "unknown source(s): sports" in result.output


def test_digest(run, seeded_db: Path) -> None:
    result = run("digest", "--since", "2024-03-04", "--per-source", "1", db=seeded_db)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "News since 2024-03-04 00:00",
        "",
        "== tech ==",
    ]
    assert "Climate summit agrees on methane targets" in result.output


def test_export(run, seeded_db: Path) -> None:
    result = run("export", "world", db=seeded_db)
    assert result.exit_code == 0, result.output
    assert result.output.count("<item>") == 4


def test_db_compact(run, seeded_db: Path) -> None:
    result = run("db", "compact", "--before", "2024-03-01", db=seeded_db)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("removed 2 articles;")


def test_sources_sync(run) -> None:
    result = run("sources", "sync")
    assert result.exit_code == 0, result.output
    assert result.output == "2 sources\n"
