"""Which files `check` reads: git-ignored files are skipped (inside a git repository, and
from a bare `.gitignore` outside one), `--exclude GLOB` skips more, named files are
always read."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import LS101_MODULE, invoke, write

from loopsafe.discover.files import find_root


def paths(cwd: Path, *args: str) -> set[str]:
    run = invoke(["check", "--format", "json", "--no-cache", *args], cwd)
    assert run.code in (0, 1), run
    return {f["path"] for f in run.findings()}


def tree(root: Path) -> Path:
    return write(
        root,
        {
            "src/app.py": LS101_MODULE,
            "src/generated/client.py": LS101_MODULE,
            "src/api_pb2.py": LS101_MODULE,
            "src/keep_pb2.py": LS101_MODULE,
            "scratch.py": LS101_MODULE,
            "notes/draft.py": LS101_MODULE,
        },
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ignored_files_are_skipped_in_a_repository(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write(
        root,
        {
            ".gitignore": "generated/\n*_pb2.py\n!keep_pb2.py\n",
            "notes/.gitignore": "draft.py\n",
            ".git/info/exclude": "/scratch.py\n",
        },
    )
    assert paths(root) == {"src/app.py", "src/keep_pb2.py"}
    # from a subdirectory, the repository's ignore files above still apply
    assert paths(root / "src") == {"app.py", "keep_pb2.py"}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_files_named_explicitly_are_read_even_if_ignored(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write(root, {".gitignore": "generated/\n*_pb2.py\n"})
    assert paths(root, "src/api_pb2.py", "src/generated") == {
        "src/api_pb2.py",
        "src/generated/client.py",
    }


def test_bare_gitignore_outside_git_is_honoured_at_the_project_root(tmp_path: Path) -> None:
    """Outside git, `.gitignore` files are read from the project root (the nearest
    pyproject.toml / setup.cfg / setup.py) down, as ruff does."""
    root = tree(tmp_path / "proj")
    write(
        root, {"pyproject.toml": "[project]\nname = 'p'\n", ".gitignore": "generated/\n*_pb2.py\n"}
    )
    assert find_root(root / "src") == root
    assert paths(root) == {"src/app.py", "scratch.py", "notes/draft.py"}
    assert paths(root / "src") == {"app.py"}


def test_bare_gitignore_in_the_scanned_directory_without_any_marker(tmp_path: Path) -> None:
    root = tree(tmp_path / "loose")
    write(root, {".gitignore": "generated/\n*_pb2.py\nnotes/\n"})
    if find_root(root) != root:
        pytest.skip("a project marker above the temporary directory changes the answer")
    assert paths(root) == {"src/app.py", "scratch.py"}


def test_gitignore_above_the_project_root_does_not_apply_outside_git(tmp_path: Path) -> None:
    root = tree(tmp_path / "proj")
    write(root, {"pyproject.toml": "[project]\nname = 'p'\n"})
    write(tmp_path, {".gitignore": "proj/src/\n*_pb2.py\n"})
    if find_root(tmp_path) != tmp_path:
        pytest.skip("a project marker above the temporary directory changes the answer")
    assert paths(root) == {
        "src/app.py",
        "src/generated/client.py",
        "src/api_pb2.py",
        "src/keep_pb2.py",
        "scratch.py",
        "notes/draft.py",
    }


@pytest.mark.parametrize(
    ("globs", "expected"),
    [
        (
            ["src/generated/"],
            {"src/app.py", "src/api_pb2.py", "src/keep_pb2.py", "scratch.py", "notes/draft.py"},
        ),
        (["*_pb2.py"], {"src/app.py", "src/generated/client.py", "scratch.py", "notes/draft.py"}),
        (["*_pb2.py", "notes", "/scratch.py"], {"src/app.py", "src/generated/client.py"}),
        (["src/**/client.py", "src/*_pb2.py"], {"src/app.py", "scratch.py", "notes/draft.py"}),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_exclude_glob(tmp_path: Path, globs: list[str], expected: set[str]) -> None:
    root = tree(tmp_path / "proj")
    write(root, {"pyproject.toml": "[project]\nname = 'p'\n"})
    assert paths(root, *(arg for glob in globs for arg in ("--exclude", glob))) == expected


def test_exclude_is_relative_to_the_project_root_when_run_from_a_subdirectory(
    tmp_path: Path,
) -> None:
    root = tree(tmp_path / "proj")
    write(root, {"pyproject.toml": "[project]\nname = 'p'\n"})
    assert paths(root / "src", "--exclude", "src/generated/") == {
        "app.py",
        "api_pb2.py",
        "keep_pb2.py",
    }


def test_default_excludes_skip_virtualenvs_and_caches(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "app.py": LS101_MODULE,
            ".venv/lib/site.py": LS101_MODULE,
            "venv/x.py": LS101_MODULE,
            "node_modules/y.py": LS101_MODULE,
            ".tox/py/z.py": LS101_MODULE,
            "pkg.egg-info/w.py": LS101_MODULE,
            "__pycache__/v.py": LS101_MODULE,
        },
    )
    assert paths(root) == {"app.py"}


def test_only_python_files_are_walked(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": LS101_MODULE,
            "app.pyi": LS101_MODULE,
            "script": LS101_MODULE,
            "nb.txt": LS101_MODULE,
        },
    )
    assert paths(tmp_path) == {"app.py"}
    # a file named explicitly is read whatever its suffix
    assert paths(tmp_path, "script") == {"script"}
