"""`.pre-commit-hooks.yaml`: a checking and a fixing hook, both run on the whole project
when a Python file or a pytest configuration file changes, and on nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_helpers import REPO

TRIGGERS = [
    "app.py",
    "src/pkg/mod.py",
    "conftest.py",
    "tests/conftest.py",
    "pytest.ini",
    ".pytest.ini",
    "pytest.toml",
    "sub/.pytest.toml",
    "pyproject.toml",
    "sub/pyproject.toml",
    "setup.cfg",
    "tox.ini",
]
# loopsafe analyses no stubs; mypy.ini and the like hold no pytest settings.
IGNORED = ["README.md", "mypy.ini", "setup.py.orig", "notpyproject.toml", "stubs/mod.pyi"]


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return {hook["id"]: hook for hook in data}


def _runs_on(hook: dict[str, Any], path: str) -> bool:
    """pre-commit's own filter: `files` searched in the path, `exclude` not, and one of
    `types_or` among the tags identify gives the file (when identify is installed)."""
    if not re.search(hook.get("files", ""), path):
        return False
    if hook.get("exclude") and re.search(hook["exclude"], path):
        return False
    try:
        from identify.identify import tags_from_filename
    except ImportError:  # identify comes with pre-commit; the regex alone then
        return True
    return bool(set(hook.get("types_or", [])) & tags_from_filename(Path(path).name))


def test_a_check_hook_and_a_fix_hook(hooks: dict[str, dict[str, Any]]) -> None:
    assert set(hooks) == {"loopsafe", "loopsafe-fix"}
    assert hooks["loopsafe"]["entry"] == "loopsafe check"
    assert hooks["loopsafe-fix"]["entry"] == "loopsafe fix"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False  # the call graph needs the whole project
        assert hook["require_serial"] is True
        assert "types" not in hook  # `types: [python]` would skip the configuration files
        assert {"name", "description"} <= set(hook)


@pytest.mark.parametrize("path", TRIGGERS)
def test_python_and_pytest_configuration_changes_run_the_hooks(
    hooks: dict[str, dict[str, Any]], path: str
) -> None:
    for hook in hooks.values():
        assert _runs_on(hook, path), (hook["id"], path)


@pytest.mark.parametrize("path", IGNORED)
def test_other_files_do_not(hooks: dict[str, dict[str, Any]], path: str) -> None:
    for hook in hooks.values():
        assert not _runs_on(hook, path), (hook["id"], path)


def test_the_patterns_cover_every_configuration_file_loopsafe_reads(
    hooks: dict[str, dict[str, Any]],
) -> None:
    from loopsafe.discover.pytest_config import PYTEST_CONFIG_NAMES

    for name in PYTEST_CONFIG_NAMES:
        for hook in hooks.values():
            assert _runs_on(hook, name), (hook["id"], name)
