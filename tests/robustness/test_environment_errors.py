"""Issue 15, item 10 (errors of the environment): a full disk, a read-only file system and
a closed stdout give one line on stderr and exit 2 (never "internal error", never a
traceback); a reader that leaves (`loopsafe check | head -1`) ends loopsafe quietly, with
the status of a process ended by SIGPIPE (141), as `yes | head -1` does.

Real pipes, /dev/full and, where this machine lets a test mount one in a private mount
namespace (`unshare --mount`, root), a real tiny tmpfs; and in-process, through click's
CliRunner, an `os.fsync` that fails with ENOSPC, as a full disk makes it do.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loopsafe.cli import cli
from loopsafe.streams import EXIT_BROKEN_PIPE

pytestmark = pytest.mark.timeout(300)

SOURCE = "import asyncio\n\n\nasync def main():\n    asyncio.run(main())\n"


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out["NO_COLOR"] = "1"
    return out


def loopsafe(*args: str) -> list[str]:
    return [sys.executable, "-m", "loopsafe", *args]


def assert_one_line(stderr: bytes, *fragments: str) -> None:
    text = stderr.decode("utf-8")
    assert "Traceback" not in text and "internal error" not in text, text
    assert text.count("\n") == 1 and text.startswith("loopsafe: error: "), text
    for fragment in fragments:
        assert fragment in text, (fragment, text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(SOURCE)
    (tmp_path / "src" / "b.py").write_text(SOURCE)
    return tmp_path


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """A file with 300 findings: ~160 kB of JSON, more than a pipe holds (64 kB)."""
    lines = ["import asyncio", ""]
    for i in range(300):
        lines += [f"async def f{i}():", f"    asyncio.run(f{i}())", ""]
    (tmp_path / "m.py").write_text("\n".join(lines))
    return tmp_path


# ------------------------------------------------------------------- a reader that left
@pytest.mark.parametrize(
    "args",
    [
        ("check", "--no-cache", "."),
        ("check", "--no-cache", "--format", "json", "."),
        ("check", "--no-cache", "--format", "sarif", "."),
        ("fix", "--diff", "--no-cache", "."),
        ("tests", "."),
        ("report", "--no-cache", "."),
        ("rule", "--all"),
    ],
    ids=lambda a: "-".join(a),
)
def test_a_pipe_closed_before_any_output_ends_quietly(tree: Path, args: tuple[str, ...]) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # nobody will ever read: the first write fails with EPIPE
    try:
        proc = subprocess.run(
            loopsafe(*args), cwd=tree, stdout=writer, stderr=subprocess.PIPE, env=env(), timeout=120
        )
    finally:
        os.close(writer)
    assert proc.stderr == b""
    assert proc.returncode == EXIT_BROKEN_PIPE


def test_head_one_line_ends_quietly(many: Path) -> None:
    """`loopsafe check --format json | head -1`, with a real `head`."""
    pipeline = "set -o pipefail 2>/dev/null; "
    script = pipeline + f"{sys.executable} -m loopsafe check --no-cache --format json . | head -1"
    proc = subprocess.run(
        ["bash", "-c", script + "; echo status=${PIPESTATUS[0]} >&2"],
        cwd=many,
        capture_output=True,
        env=env(),
        timeout=120,
    )
    assert proc.stdout == b"{\n"
    assert proc.stderr == f"status={EXIT_BROKEN_PIPE}\n".encode()


# ------------------------------------------------------------------- a stdout that cannot take it
def test_a_closed_stdout_is_one_line(tree: Path) -> None:
    argv = loopsafe("check", "--no-cache", ".")
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *argv],
        cwd=tree,
        capture_output=True,
        env=env(),
        timeout=120,
    )
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "stdout is closed")
    quiet = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *argv, "-q"],
        cwd=tree,
        capture_output=True,
        env=env(),
        timeout=120,
    )
    assert (quiet.returncode, quiet.stderr) == (1, b"")  # nothing to print: the findings


def test_a_closed_stdout_never_receives_a_file(tree: Path) -> None:
    """fd 1 closed: the report written with -o must not get fd 1 and the text with it."""
    argv = loopsafe("report", "--no-cache", "-o", "audit.md", ".")
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *argv],
        cwd=tree,
        capture_output=True,
        env=env(),
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # as `check`: the tree has findings
    assert (tree / "audit.md").read_text().startswith("#")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_stdout_on_a_full_device_is_one_line(tree: Path, fmt: str) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            loopsafe("check", "--no-cache", "--format", fmt, "."),
            cwd=tree,
            stdout=full,
            stderr=subprocess.PIPE,
            env=env(),
            timeout=120,
        )
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "<stdout>: No space left on device")


# ------------------------------------------------------------------- a full disk, in-process
@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file loopsafe writes reaches the disk through `os.fsync` (atomic.py): make
    that fail as a full disk does."""

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)


def invoke(cwd: Path, *args: str) -> Any:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_fix_on_a_full_disk_names_the_file_and_leaves_it(tree: Path, disk_full: None) -> None:
    before = listing(tree)
    result = invoke(tree, "fix", "--no-cache", "src")
    assert result.exit_code == 2
    # the fix is one transaction: its journal is the first thing written, and nothing is
    assert_one_line(result.stderr.encode(), "No space left on device; nothing was written")
    assert (tree / "src" / "a.py").read_text() == SOURCE
    assert listing(tree) == before  # no temporary file left behind


def test_report_on_a_full_disk_writes_nothing(tree: Path, disk_full: None) -> None:
    result = invoke(tree, "report", "--no-cache", "-o", "audit.md", "src")
    assert result.exit_code == 2
    assert_one_line(result.stderr.encode(), "audit.md: No space left on device")
    assert not (tree / "audit.md").exists()
    assert not [p for p in tree.iterdir() if p.name.startswith(".audit.md")]


def test_a_cache_that_cannot_be_written_costs_only_the_cache(tree: Path, disk_full: None) -> None:
    """The cache is an optimisation: a full disk (like a read-only tree) means no cache,
    and the findings are reported as ever."""
    result = invoke(tree, "check", "src")
    assert result.exit_code == 1
    assert "src/a.py:5:5: LS101" in result.stdout
    assert result.stderr == ""
    assert not [p for p in listing(tree) if p.endswith(".tmp")]  # no half-written cache file


# ------------------------------------------------------------------- a real tiny tmpfs
_MOUNT = textwrap.dedent(
    """
    set -e
    mount -t tmpfs -o size=64k tmpfs "$1"
    cp -r "$2"/src "$1"/
    cd "$1"
    if [ "$3" = full ]; then dd if=/dev/zero of=filler bs=4k 2>/dev/null || true; fi
    if [ "$3" = ro ]; then mount -o remount,ro "$1"; fi
    shift 3
    exec "$@"
    """
)


UNSHARE = ("unshare", "--mount", "--propagation", "private")


def _can_mount(tmp_path: Path) -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        [*UNSHARE, "mount", "-t", "tmpfs", "x", probe],
        capture_output=True,
        timeout=30,
    )
    return done.returncode == 0


def in_tmpfs(
    tmp_path: Path, tree: Path, mode: str, *args: str
) -> subprocess.CompletedProcess[bytes]:
    """`loopsafe ARGS` run inside a private 64 kB tmpfs holding a copy of `tree/src`; the
    mount exists only in that process's mount namespace and goes with it."""
    if not _can_mount(tmp_path):
        pytest.skip("cannot mount a tmpfs here (needs root and unshare)")
    mount = tmp_path / "mnt"
    mount.mkdir()
    return subprocess.run(
        [*UNSHARE, "sh", "-c", _MOUNT, "sh", str(mount), str(tree), mode, *loopsafe(*args)],
        capture_output=True,
        env=env(),
        timeout=120,
    )


@pytest.mark.parametrize(
    ("mode", "reason"), [("full", "No space left on device"), ("ro", "Read-only file system")]
)
def test_fix_on_a_real_tmpfs(tmp_path: Path, tree: Path, mode: str, reason: str) -> None:
    proc = in_tmpfs(tmp_path, tree, mode, "fix", "src")
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, f"{reason}; nothing was written")


@pytest.mark.parametrize(
    ("mode", "reason"), [("full", "No space left on device"), ("ro", "Read-only file system")]
)
def test_report_on_a_real_tmpfs(tmp_path: Path, tree: Path, mode: str, reason: str) -> None:
    proc = in_tmpfs(tmp_path, tree, mode, "report", "-o", "audit.md", "src")
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, f"audit.md: {reason}")


@pytest.mark.parametrize("mode", ["full", "ro"])
def test_check_on_a_real_tmpfs_still_reports(tmp_path: Path, tree: Path, mode: str) -> None:
    proc = in_tmpfs(tmp_path, tree, mode, "check", "src")
    assert proc.returncode == 1, proc.stderr
    assert b"src/a.py:5:5: LS101" in proc.stdout
    assert proc.stderr == b""
