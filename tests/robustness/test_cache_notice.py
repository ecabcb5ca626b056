"""A cache in the tree that loopsafe ignores is named to the user (issue 15, item 7): one
line on stderr, `loopsafe: warning: cache ignored: WHY`, once per run whatever the command
(`fix` analyses twice), never in the JSON or SARIF on stdout, and nothing with --quiet or
--no-cache. The engine only records it (`Result.notices`); the command line prints it.

Hostile caches built for real: a symlinked cache folder, a FIFO as `run.json`, and a cache
signed by another user's key (another XDG_CACHE_HOME, as a cache committed to the
repository by someone else). Every run is a real `python -m loopsafe` subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")

LIB = "import asyncio\n\n\nasync def work():\n    return 1\n\n\nasync def main():\n    return asyncio.run(work())\n"
SYMLINKED = "loopsafe: warning: cache ignored: .loopsafe_cache is a symlink\n"


def project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "lib.py").write_text(LIB)
    return root


def run(root: Path, *args: str, cache_home: Path | None = None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["NO_COLOR"] = "1"
    if cache_home is not None:
        env["XDG_CACHE_HOME"] = str(cache_home)
    proc = subprocess.run(
        [sys.executable, "-m", "loopsafe", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def symlinked(tmp_path: Path) -> Path:
    root = project(tmp_path / "repo")
    (tmp_path / "outside").mkdir()
    (root / ".loopsafe_cache").symlink_to(tmp_path / "outside", target_is_directory=True)
    return root


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_readable_stdout_stays_clean(symlinked: Path, fmt: str) -> None:
    code, stdout, stderr = run(symlinked, "check", "--format", fmt)
    assert code == 1
    assert stderr == SYMLINKED
    data = json.loads(stdout)  # nothing but the document
    assert "cache ignored" not in json.dumps(data)


def test_once_per_run_for_every_command(symlinked: Path) -> None:
    code, stdout, stderr = run(symlinked, "check", "--output-format", "concise")
    assert (code, stderr) == (1, SYMLINKED)
    assert "cache ignored" not in stdout
    code, stdout, stderr = run(symlinked, "fix", "--diff")
    assert code == 1
    assert stderr.startswith(SYMLINKED) and stderr.count("cache ignored") == 1
    code, stdout, stderr = run(symlinked, "report", "--format", "json")
    assert (code, stderr) == (1, SYMLINKED)
    json.loads(stdout)
    code, _, stderr = run(symlinked, "fix")  # analyses twice: told once
    assert code == 0
    assert stderr.count("cache ignored") == 1
    assert (symlinked / ".loopsafe_cache").is_symlink()
    assert list((symlinked.parent / "outside").iterdir()) == []


def test_quiet_and_no_cache_say_nothing(symlinked: Path) -> None:
    assert run(symlinked, "check", "-q") == (1, "", "")
    code, _, stderr = run(symlinked, "check", "--no-cache")
    assert (code, stderr) == (1, "")
    code, _, stderr = run(symlinked, "report", "-q", "-o", "audit.md")
    assert (code, stderr) == (1, "")


def test_a_fifo_run_json_is_named_then_replaced(tmp_path: Path) -> None:
    root = project(tmp_path / "repo")
    (root / ".loopsafe_cache").mkdir()
    os.mkfifo(root / ".loopsafe_cache" / "run.json")
    code, _, stderr = run(root, "check")
    assert (code, stderr) == (
        1,
        "loopsafe: warning: cache ignored: .loopsafe_cache/run.json is a FIFO\n",
    )
    assert run(root, "check")[2] == ""  # the cache wrote a regular file in its place


def test_a_cache_signed_by_someone_else_is_named(tmp_path: Path) -> None:
    """Another user's loopsafe (another key) made the cache that came with the tree."""
    root = project(tmp_path / "repo")
    theirs = run(root, "check", "--format", "json", cache_home=tmp_path / "their-home")
    assert theirs[0] == 1 and theirs[2] == ""
    code, stdout, stderr = run(root, "check", "--format", "json", cache_home=tmp_path / "mine")
    assert (code, stdout) == theirs[:2]
    notice = "loopsafe: warning: cache ignored: .loopsafe_cache/run.json was not signed by "
    assert stderr == notice + "this user's loopsafe\n"
    again = run(root, "check", "--format", "json", cache_home=tmp_path / "mine")
    assert again == theirs  # now signed with this user's key: used, nothing to say
