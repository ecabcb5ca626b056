"""Plumbing for the fixer's tests: tiny projects in a temporary directory, the `loopsafe`
command line run for real, and readers for the closing summary.

`loopsafe()` runs the CLI in this process through click's `CliRunner` (the code path of the
console script, without paying ~1.5 s of interpreter start and LibCST import per call);
`spawn=True` runs `python -m loopsafe` in a subprocess, for what only a real process shows
(exit status, stdout/stderr separation, no traceback). `fix()` passes `--no-cache`, so a
project directory holds nothing but what the test wrote and what the fixer changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from loopsafe.cli import cli

# `Fixed 3 finding(s) in 2 file(s); 1 skipped; 0 left for review.` (or `Would fix ...`)
SUMMARY = re.compile(
    r"^(?P<verb>Would fix|Fixed) (?P<fixed>\d+) finding\(s\) in (?P<files>\d+) file\(s\); "
    r"(?P<skipped>\d+) skipped; (?P<review>\d+) left for review\.$",
    re.MULTILINE,
)
# `  skipped app.py:9 LS101: why`, one line per skipped fix under the summary.
SKIPPED = re.compile(
    r"^  skipped (?P<path>\S+?):(?P<line>\d+) (?P<code>LS\d{3}): (?P<reason>.+)$", re.MULTILINE
)


@dataclass(frozen=True)
class Summary:
    verb: str
    fixed: int
    files: int
    skipped: int
    review: int


@dataclass(frozen=True)
class Skip:
    path: str
    line: int
    code: str
    reason: str


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def summary(self) -> Summary:
        found = SUMMARY.findall(self.output)
        assert len(found) == 1, f"expected one summary line:\n{self.output}"
        match = SUMMARY.search(self.output)
        assert match is not None
        return Summary(
            match["verb"],
            int(match["fixed"]),
            int(match["files"]),
            int(match["skipped"]),
            int(match["review"]),
        )

    def skips(self) -> list[Skip]:
        return [
            Skip(m["path"], int(m["line"]), m["code"], m["reason"])
            for m in SKIPPED.finditer(self.output)
        ]


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create `files` under `root`: text is dedented and written as UTF-8 with `\\n`
    line endings, bytes are written as they are."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(textwrap.dedent(content).lstrip("\n").encode("utf-8"))
        else:
            path.write_bytes(content)
    return root


def read(path: Path) -> str:
    """A file's text exactly as stored (UTF-8, no newline translation)."""
    return path.read_bytes().decode("utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative POSIX path -> bytes)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["NO_COLOR"] = "1"
    return env


def loopsafe(root: Path, *args: str, spawn: bool = False, timeout: float = 120) -> Run:
    """`loopsafe ARGS` from `root`: in-process, or (`spawn`) `python -m loopsafe ARGS` in a
    fresh interpreter."""
    if not spawn:
        old = os.getcwd()
        os.chdir(root)
        try:
            result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        finally:
            os.chdir(old)
        assert "Traceback" not in result.stderr, result.stderr
        return Run(result.exit_code, result.stdout, result.stderr)
    proc = subprocess.run(
        [sys.executable, "-m", "loopsafe", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(),
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def fix(root: Path, *args: str, spawn: bool = False) -> Run:
    """`loopsafe check --fix --no-cache ARGS .` (add `--unsafe-fixes` in ARGS)."""
    return loopsafe(root, "check", "--fix", "--no-cache", *args, ".", spawn=spawn)


def compiles(source: str | bytes, filename: str = "<fixed>") -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def assert_compiles(root: Path) -> None:
    for path in sorted(root.rglob("*.py")):
        assert compiles(path.read_bytes(), str(path)), f"{path} no longer compiles"
