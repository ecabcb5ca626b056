"""`loopsafe vendor-helper DEST.py`: a standalone copy that works, never a silent overwrite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_helpers import spawn


def test_vendored_copy_runs_without_loopsafe(tmp_path: Path) -> None:
    dest = tmp_path / "pkg" / "_async_helper.py"
    dest.parent.mkdir()
    run = spawn(["vendor-helper", str(dest)], tmp_path)
    assert run.code == 0, run
    assert "loopsafe 0.1.0" in dest.read_text().splitlines()[0]
    # Run it with loopsafe made unimportable: the copy must stand alone.
    code = (
        f"import sys; sys.modules['loopsafe'] = None; sys.path.insert(0, {str(dest.parent)!r})\n"
        "import asyncio, _async_helper as h\n"
        "async def answer(): return 42\n"
        "assert h.run_sync(answer()) == 42\n"
        "print(h.VENDORED_FROM)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=dest.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loopsafe 0.1.0"


def test_existing_file_needs_force(tmp_path: Path) -> None:
    dest = tmp_path / "helper.py"
    dest.write_text("KEEP = 1\n")
    refused = spawn(["vendor-helper", str(dest)], tmp_path)
    assert refused.code == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert dest.read_text() == "KEEP = 1\n"
    forced = spawn(["vendor-helper", str(dest), "--force"], tmp_path)
    assert forced.code == 0, forced
    assert "def run_sync(" in dest.read_text()


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    run = spawn(["vendor-helper", str(tmp_path / "nowhere" / "h.py")], tmp_path)
    assert run.code == 2
    assert "does not exist" in run.stderr
    assert "Traceback" not in run.stderr
