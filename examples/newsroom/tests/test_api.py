from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newsroom import api

PROJECT = Path(__file__).resolve().parents[1]


def test_ingest_then_headlines(tmp_path: Path, feeds_dir: Path) -> None:
    db = tmp_path / "api.db"
    reports = api.ingest(db, feeds_dir, ["tech"])
    assert [(r.source, r.added) for r in reports] == [("tech", 3)]
    assert [a.title for a in api.headlines(db, limit=1)] == [
        "Chipmaker opens its first European fab"
    ]


def test_search(seeded_db: Path) -> None:
    assert [a.guid for a in api.search(seeded_db, "strike")] == ["world-1038"]


def test_notebook_demo_script(tmp_path: Path, feeds_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT / "scripts" / "notebook_demo.py"),
            str(tmp_path / "nb.db"),
            str(feeds_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["   world: 4 new of 4", "    tech: 3 new of 3"]
    assert lines[2] == "2024-03-04  [tech] Chipmaker opens its first European fab"
