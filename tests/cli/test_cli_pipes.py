"""Every command ends the same way when the reader of stdout leaves (issue 15): exit 141,
as a process SIGPIPE ended, and nothing on stderr; and output that fits in the pipe never
sees the reader leave at all (`loopsafe --help | head -3` exits 0 under `pipefail`).

Click catches EPIPE itself while it parses the command line (the help, the version) and
exits 1; these runs pin that loopsafe does not. Real subprocesses and real pipes: a pipe
whose reader is closed before loopsafe starts, and a real `head` under `bash -o pipefail`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loopsafe.streams import EXIT_BROKEN_PIPE

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(shutil.which("bash") is None or os.name != "posix", reason="needs bash"),
]

SOURCE = "import asyncio\n\n\nasync def main():\n    asyncio.run(main())\n"
# Commands whose whole output is written by click while it parses the command line.
PARSED = [
    ("--help",),
    ("--version",),
    ("check", "--help"),
    ("fix", "--help"),
    ("report", "--help"),
    ("tests", "--help"),
    ("rule", "--help"),
    ("vendor-helper", "--help"),
]


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out["NO_COLOR"] = "1"
    return out


def loopsafe(*args: str) -> list[str]:
    return [sys.executable, "-m", "loopsafe", *args]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text(SOURCE)
    return tmp_path


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """300 findings: the text output (~100 kB) is more than a pipe holds (64 kB)."""
    lines = ["import asyncio", ""]
    for i in range(300):
        lines += [f"async def f{i}():", f"    asyncio.run(f{i}())", ""]
    (tmp_path / "m.py").write_text("\n".join(lines))
    return tmp_path


def closed_reader(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run loopsafe with stdout a pipe nobody will ever read: the first write fails."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            loopsafe(*args), cwd=cwd, stdout=writer, stderr=subprocess.PIPE, env=env(), timeout=120
        )
    finally:
        os.close(writer)


def piped(cwd: Path, args: tuple[str, ...], reader: str) -> tuple[bytes, bytes, int]:
    """`loopsafe ARGS | READER` under `set -o pipefail`: what the reader printed,
    loopsafe's stderr, and the pipeline's status (loopsafe's when it failed)."""
    command = " ".join(loopsafe(*args))
    script = f"set -o pipefail; {command} 2>loopsafe.err | {reader} >reader.out; echo $? >status"
    subprocess.run(["bash", "-c", script], cwd=cwd, env=env(), timeout=120, check=True)
    out = (cwd / "reader.out").read_bytes()
    stderr = (cwd / "loopsafe.err").read_bytes()
    return out, stderr, int((cwd / "status").read_text())


@pytest.mark.parametrize("args", PARSED, ids=lambda a: "-".join(a))
def test_help_and_version_to_a_closed_pipe_exit_141(tree: Path, args: tuple[str, ...]) -> None:
    proc = closed_reader(tree, *args)
    assert (proc.returncode, proc.stderr) == (EXIT_BROKEN_PIPE, b"")


@pytest.mark.parametrize(
    "args",
    [("rule", "LS101"), ("check", "--no-cache", "."), ("check", "--no-cache", "--statistics")],
    ids=lambda a: "-".join(a),
)
def test_every_other_command_to_a_closed_pipe_exits_141(tree: Path, args: tuple[str, ...]) -> None:
    proc = closed_reader(tree, *args)
    assert (proc.returncode, proc.stderr) == (EXIT_BROKEN_PIPE, b"")


@pytest.mark.parametrize(
    "args", [("--help",), ("check", "--help"), ("rule", "LS101")], ids=lambda a: "-".join(a)
)
def test_short_output_through_head_is_a_success(tree: Path, args: tuple[str, ...]) -> None:
    """Shorter than the pipe buffer: written in one go before `head` can leave."""
    full = subprocess.run(
        loopsafe(*args), cwd=tree, env=env(), capture_output=True, timeout=120, check=True
    ).stdout
    assert len(full) < 16 * 1024
    out, stderr, status = piped(tree, args, "head -3")
    assert (status, stderr) == (0, b"")
    assert out == b"".join(full.splitlines(keepends=True)[:3])


def test_long_output_through_head_ends_as_sigpipe(many: Path) -> None:
    """`loopsafe check . | head -1` on a tree with many findings, text output."""
    out, stderr, status = piped(many, ("check", "--no-cache", "."), "head -1")
    assert (status, stderr) == (EXIT_BROKEN_PIPE, b"")
    assert out.startswith(b"m.py:") and out.count(b"\n") == 1


def test_a_reader_that_leaves_after_the_findings_is_not_an_error(tree: Path) -> None:
    """Everything was written before the reader left: the status is the command's own."""
    out, stderr, status = piped(
        tree, ("check", "--no-cache", "--output-format", "concise"), "head -1"
    )
    assert (status, stderr) == (1, b"")
    assert out.startswith(b"a.py:5:")
