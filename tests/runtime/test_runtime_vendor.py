"""The vendored copy and the runtime's import contract (stdlib only, nothing from loopsafe)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from runtime_helpers import DEV_RERUN, run_python

import loopsafe
from loopsafe.vendor import REENTRANT_MARKER, vendored_source, write_vendored_helper

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.skipif(DEV_RERUN, reason="already inside a subprocess run")

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "src" / "loopsafe" / "runtime"


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                modules.add("." * node.level + (node.module or ""))
            else:
                modules.add((node.module or "").split(".")[0])
    return modules


def test_runtime_imports_only_the_standard_library() -> None:
    for path in RUNTIME.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for module in imported_modules(source):
            if module.startswith("."):
                # `from . import _reentrant` (lazily, in __init__.py) shows as "."
                assert module in (".", "._core", "._reentrant"), f"{path.name} imports {module}"
            elif module == "greenlet":  # the optional re-entrant mode, imported on demand
                assert path.name == "_reentrant.py"
            else:
                assert module in sys.stdlib_module_names, f"{path.name} imports {module}"
    # greenlet only inside a function: importing the runtime never needs it.
    tree = ast.parse((RUNTIME / "_reentrant.py").read_text(encoding="utf-8"))
    top = {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert "greenlet" not in top


def test_vendored_copy_is_standalone_and_names_its_version(tmp_path: Path) -> None:
    dest = tmp_path / "async_helper.py"
    write_vendored_helper(dest)
    text = dest.read_text(encoding="utf-8")
    assert text == vendored_source()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert loopsafe.__version__ == version
    assert text.splitlines()[0].startswith(f"# Vendored from loopsafe {version} ")
    assert all(m in sys.stdlib_module_names or m == "greenlet" for m in imported_modules(text))
    result = run_python(
        "import sys; sys.path.insert(0, sys.argv[1]); import async_helper as h; "
        "print(h.VENDORED_FROM, h.run_sync(h.asyncio.sleep(0, 'ok')), "
        "'loopsafe' in sys.modules)",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["loopsafe", version, "ok", "False"]


def test_vendoring_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    dest = tmp_path / "helper.py"
    dest.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="--force"):
        write_vendored_helper(dest)
    assert dest.read_text(encoding="utf-8") == "# mine\n"
    write_vendored_helper(dest, force=True)
    assert dest.read_text(encoding="utf-8") == vendored_source()
    assert [p.name for p in tmp_path.iterdir()] == ["helper.py"]  # no temp file left behind


def test_vendoring_into_a_missing_directory_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_vendored_helper(tmp_path / "missing" / "helper.py")


def test_package_and_vendored_copy_share_one_implementation() -> None:
    core = (RUNTIME / "_core.py").read_text(encoding="utf-8")
    vendored = vendored_source()
    body = vendored[vendored.index('"""') :]
    reentrant = (RUNTIME / "_reentrant.py").read_text(encoding="utf-8")
    tail = reentrant[reentrant.index(REENTRANT_MARKER) :]
    assert (
        body
        == core.replace(
            "VENDORED_FROM: str | None = None\n",
            f'VENDORED_FROM: str | None = "loopsafe {loopsafe.__version__}"\n',
        )
        + f'\n\n__all__ += ["call_reentrant", "enable_reentry", "is_reentrant", "run"]\n\n{tail}'
    )
