"""Fixtures for the runtime helper tests: every behaviour runs against both the package
(`loopsafe.runtime`) and a freshly vendored single-file copy of it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from runtime_helpers import VENDORED_NAME

from loopsafe.vendor import write_vendored_helper


@pytest.fixture(scope="session")
def vendored_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("vendored")
    write_vendored_helper(directory / f"{VENDORED_NAME}.py")
    return directory


def _load_vendored(directory: Path) -> ModuleType:
    if VENDORED_NAME in sys.modules:
        return sys.modules[VENDORED_NAME]
    spec = importlib.util.spec_from_file_location(VENDORED_NAME, directory / f"{VENDORED_NAME}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[VENDORED_NAME] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["package", "vendored"])
def impl(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rt(impl: str, vendored_dir: Path) -> ModuleType:
    """The runtime helper module under test."""
    if impl == "package":
        import loopsafe.runtime._core as core

        return core
    return _load_vendored(vendored_dir)


@pytest.fixture
def import_line(impl: str, vendored_dir: Path) -> str:
    """Python source that imports the implementation under test as `rt` in a subprocess."""
    if impl == "package":
        return "import loopsafe.runtime as rt"
    return f"import sys; sys.path.insert(0, {str(vendored_dir)!r}); import {VENDORED_NAME} as rt"
