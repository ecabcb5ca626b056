"""One way to write a file (`loopsafe.atomic.write_atomic`), used by every writer: fixes,
`report -o`, `tests --apply-markers`, the cache, the vendored helper, the plugin's
runtime.json. It keeps what the file was: mode, owner, and a symlink stays a link."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsafe.atomic import write_atomic
from loopsafe.cli import cli
from loopsafe.testsort.command import tests_command as sort_command

SRC = Path(__file__).resolve().parents[1] / "src" / "loopsafe"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_existing_file_keeps_its_mode_and_owner(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    before = os.stat(path)
    write_atomic(path, b"new")
    after = os.stat(path)
    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced in one rename, not rewritten in place


def test_a_symlink_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("old")
    link = tmp_path / "link.py"
    link.symlink_to(real.name)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_new_file_gets_the_mode_the_umask_leaves(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", b"x")
    finally:
        os.umask(mask)
    assert _mode(tmp_path / "new.txt") == 0o640
    write_atomic(tmp_path / "secret", b"x", mode=0o600)
    assert _mode(tmp_path / "secret") == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_atomic(path, b"new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_report_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    """`report -o` used to turn a 0644 file into 0600 (a bare mkstemp)."""
    (tmp_path / "app.py").write_text("import asyncio\n\nasyncio.run(print())\n")
    out = tmp_path / "REPORT.md"
    out.write_text("old report")
    os.chmod(out, 0o644)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["report", "app.py", "-o", "REPORT.md", "--no-cache"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("#") and _mode(out) == 0o644


def test_apply_markers_keeps_a_symlinked_test_file_a_link(tmp_path: Path) -> None:
    """`tests --apply-markers` used to replace a symlinked test file with a regular one."""
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-q'\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "test_math.py"
    real.write_text(
        textwrap.dedent("""
        def test_add():
            assert 1 + 1 == 2
        """).lstrip()
    )
    (tmp_path / "tests").mkdir()
    link = tmp_path / "tests" / "test_math.py"
    link.symlink_to(Path("..") / "shared" / "test_math.py")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(sort_command, ["--apply-markers"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert "pytestmark = pytest.mark.unit" in real.read_text()


def test_every_writer_uses_the_one_atomic_write() -> None:
    """No module but loopsafe.atomic renames temporary files into place."""
    writers = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "os.replace(" in p.read_text(encoding="utf-8") or "mkstemp(" in p.read_text("utf-8")
    )
    assert writers == ["atomic.py"]
