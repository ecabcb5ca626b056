"""A cache (or `.gitignore`, or configuration) shipped inside an untrusted repository can at
worst be ignored: a FIFO never hangs a run, `/dev/zero` never fills memory, and a symlink
never makes loopsafe read or write outside the tree (issue 15, item 7).

Every run is a real `python -m loopsafe` subprocess with a timeout (a hang fails the test
instead of hanging CI) and an address-space limit (memory eaten fails it instead of the
machine).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")

LIB = "import asyncio\n\n\nasync def work():\n    return 1\n\n\ndef main():\n    return asyncio.run(work())\n"
MEMORY_LIMIT = 1024 * 1024 * 1024  # far above a run's needs, far below /dev/zero's


def project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "lib.py").write_text(LIB)
    return root


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def loopsafe(root: Path, *args: str, timeout: float = 60) -> tuple[int, list[object], str]:
    """`loopsafe check --format json` in `root`: exit code, findings (path, line, code),
    stderr. A run that hangs raises TimeoutExpired: the test fails, CI goes on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.run(
        [sys.executable, "-m", "loopsafe", "check", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    findings: list[object] = []
    if proc.stdout:
        data = json.loads(proc.stdout)
        findings = sorted((f["path"], f["line"], f["code"]) for f in data["findings"])
    return proc.returncode, findings, proc.stderr


def clean(root: Path) -> tuple[int, list[object], str]:
    return loopsafe(root, "--no-cache")


def ignored(
    run: tuple[int, list[object], str], expected: tuple[int, list[object], str], why: str = ""
) -> bool:
    """The run gave the clean run's results, and stderr said once why the cache was
    ignored (nothing when `why` is empty: the cache was fine, or already repaired)."""
    notice = f"loopsafe: warning: cache ignored: {why}\n" if why else ""
    assert run[2] == notice, (run[2], notice)
    return run == (expected[0], expected[1], notice)


def listing(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


@pytest.mark.parametrize("name", ["run.json", "facts.json", ".gitignore"])
def test_a_fifo_in_the_cache_does_not_hang(tmp_path: Path, name: str) -> None:
    root = project(tmp_path / "repo")
    expected = clean(root)
    cache = root / ".loopsafe_cache"
    cache.mkdir()
    os.mkfifo(cache / name)
    why = "" if name == ".gitignore" else f".loopsafe_cache/{name} is a FIFO"  # never read
    assert ignored(loopsafe(root), expected, why)
    assert loopsafe(root) == expected  # and again: the cache replaced it
    assert (cache / name).is_fifo() or name != ".gitignore"


@pytest.mark.parametrize("name", ["run.json", "facts.json"])
def test_dev_zero_in_the_cache_does_not_eat_memory(tmp_path: Path, name: str) -> None:
    root = project(tmp_path / "repo")
    expected = clean(root)
    cache = root / ".loopsafe_cache"
    cache.mkdir()
    (cache / name).symlink_to("/dev/zero")
    assert ignored(loopsafe(root), expected, f".loopsafe_cache/{name} is a symlink")
    assert loopsafe(root) == expected


def test_a_huge_sparse_cache_file_is_not_read(tmp_path: Path) -> None:
    root = project(tmp_path / "repo")
    expected = clean(root)
    cache = root / ".loopsafe_cache"
    cache.mkdir()
    with open(cache / "facts.json", "wb") as handle:
        handle.truncate(8 * 1024 * 1024 * 1024)  # 8 GB of holes: nothing on disk
    assert ignored(loopsafe(root), expected, ".loopsafe_cache/facts.json is larger than 512 MB")


def test_a_symlinked_cache_folder_writes_nothing_outside(tmp_path: Path) -> None:
    root = project(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    expected = clean(root)
    (root / ".loopsafe_cache").symlink_to(outside, target_is_directory=True)
    assert ignored(loopsafe(root), expected, ".loopsafe_cache is a symlink")
    assert ignored(loopsafe(root), expected, ".loopsafe_cache is a symlink")  # every run
    assert listing(outside) == []
    assert (root / ".loopsafe_cache").is_symlink()  # left as it was


def test_symlinks_inside_the_cache_are_never_followed(tmp_path: Path) -> None:
    """Dangling links named like the cache's files, pointing out of the tree: the cache
    replaces the links (inside the tree) and never creates or changes their targets."""
    root = project(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kept.txt").write_text("mine\n")
    expected = clean(root)
    cache = root / ".loopsafe_cache"
    cache.mkdir()
    (cache / ".gitignore").symlink_to(outside / "gitignore")
    (cache / "run.json").symlink_to(outside / "run.json")
    (cache / "facts.json").symlink_to(outside / "kept.txt")
    assert ignored(loopsafe(root), expected, ".loopsafe_cache/run.json is a symlink")
    assert listing(outside) == ["kept.txt"]
    assert (outside / "kept.txt").read_text() == "mine\n"
    assert (cache / ".gitignore").is_symlink()  # not ours: left alone, not written through
    assert not (cache / "run.json").is_symlink() and (cache / "run.json").is_file()
    assert loopsafe(root) == expected  # and the cache it wrote in the tree works


@pytest.mark.parametrize("setting", ["../outside", "{outside}", "link/cache"])
def test_a_cache_dir_out_of_the_tree_turns_the_cache_off(tmp_path: Path, setting: str) -> None:
    """The configuration comes with the repository: `cache-dir` can send the cache nowhere
    outside it, whether by `..`, an absolute path or a symlinked folder on the way."""
    root = project(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    value = setting.format(outside=outside)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.loopsafe]\ncache-dir = "{value}"\n')
    expected = clean(root)
    why = "link is a symlink" if setting == "link/cache" else f"{outside} lies outside the project"
    assert ignored(loopsafe(root), expected, why)
    assert listing(outside) == []
    assert not (root / ".loopsafe_cache").exists()


def test_the_cache_still_works_in_a_cache_dir_inside_the_tree(tmp_path: Path) -> None:
    """The control for the test above: a nested cache-dir in the tree is used."""
    root = project(tmp_path / "repo")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.loopsafe]\ncache-dir = ".cache/ls"\n')
    expected = clean(root)
    assert loopsafe(root) == expected
    assert listing(root / ".cache" / "ls") == [".gitignore", "facts.json", "run.json"]
    assert (root / ".cache" / "ls" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert loopsafe(root) == expected


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("name", [".gitignore", "pkg/.gitignore", "requirements.txt", "setup.cfg"])
def test_hostile_ignore_and_config_files_do_not_hang(tmp_path: Path, kind: str, name: str) -> None:
    root = project(tmp_path / "repo")
    expected = clean(root)
    path = root / name
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    assert loopsafe(root, "--no-cache") == expected


def test_a_fifo_as_pyproject_is_one_line_not_a_hang(tmp_path: Path) -> None:
    """A `[tool.loopsafe]` file that cannot be read: skipped while searching, and named
    with one line when given with --config."""
    root = project(tmp_path / "repo")
    os.mkfifo(root / "other.toml")
    code, findings, stderr = loopsafe(root, "--no-cache", "--config", "other.toml")
    assert code == 2 and findings == []
    assert len(stderr.strip().splitlines()) == 1 and "not a regular file" in stderr


def pytest_loopsafe(root: Path) -> subprocess.CompletedProcess[str]:
    """`pytest --loopsafe` (the plugin writes `.loopsafe/runtime.json`) on one passing test."""
    (root / "test_one.py").write_text("def test_one():\n    assert True\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--loopsafe"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_loopsafe_folder_is_git_ignored(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    run = pytest_loopsafe(root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Wrote .loopsafe/runtime.json" in run.stdout
    assert (root / ".loopsafe" / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.splitlines()
    assert status == ["?? test_one.py"]  # runtime.json and the .gitignore are not offered


def test_a_symlinked_loopsafe_folder_is_not_written_through(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".loopsafe").symlink_to(outside, target_is_directory=True)
    run = pytest_loopsafe(root)
    assert run.returncode == 0, run.stdout + run.stderr  # the tests' outcome is theirs
    assert "loopsafe: could not write .loopsafe/runtime.json" in run.stdout
    assert listing(outside) == []
