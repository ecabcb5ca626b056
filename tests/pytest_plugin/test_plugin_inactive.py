"""Without `--loopsafe` the plugin costs an option and nothing else: no imports, no file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from plugin_helpers import FAST

pytest_plugins = ("pytester",)

DUMP_MODULES = """
import json
import os
import sys


def test_dump_modules(pytestconfig):
    with open(os.environ["MODULES_OUT"], "w") as out:
        json.dump(
            {
                "modules": sorted(sys.modules),
                "option": pytestconfig.getoption("loopsafe", default=None),
            },
            out,
        )
"""


def _modules_after_run(pytester: pytest.Pytester, name: str, *args: str) -> tuple[set[str], object]:
    """The modules imported once a test runs, and the value of the --loopsafe option."""
    out = pytester.path.parent / f"{name}.json"
    pytester.makepyfile(test_dump=DUMP_MODULES)
    with pytest.MonkeyPatch.context() as patch:
        # Other installed plugins import asyncio themselves: load only the one under test.
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        patch.setenv("MODULES_OUT", str(out))
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=60)
    assert result.ret == 0, "\n".join(result.outlines + result.errlines)
    found = json.loads(out.read_text("utf-8"))
    return set(found["modules"]), found["option"]


def test_inactive_plugin_imports_nothing(pytester: pytest.Pytester) -> None:
    without, no_option = _modules_after_run(pytester, "without")
    inactive, off = _modules_after_run(pytester, "inactive", "-p", "loopsafe")
    active, on = _modules_after_run(pytester, "active", "-p", "loopsafe", "--loopsafe")

    assert (no_option, off, on) == (None, False, True)
    assert inactive - without == {"loopsafe", "loopsafe.pytest_plugin"}
    assert "asyncio" not in inactive
    # The check can fail: with the flag the tracer, and asyncio with it, are imported.
    assert {"asyncio", "loopsafe.pytest_plugin._tracer"} <= active - without


def test_entry_point_loads_the_plugin_and_writes_nothing_without_the_flag(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_modules="""
        import asyncio
        import sys

        def test_plugin_is_registered_but_idle(pytestconfig):
            assert pytestconfig.getoption("loopsafe") is False
            assert "loopsafe.pytest_plugin" in sys.modules
            assert "loopsafe.pytest_plugin._tracer" not in sys.modules
            assert asyncio.run.__module__ == "asyncio.runners"
            assert not hasattr(asyncio.run, "__wrapped__")

        def test_conflict_without_the_flag():
            async def main():
                asyncio.run(asyncio.sleep(0))

            asyncio.run(main())
        """
    )
    result = pytester.runpytest_subprocess(*FAST, timeout=60)
    result.assert_outcomes(passed=1, failed=1)
    assert not (pytester.path / ".loopsafe").exists()
    assert "loop conflicts" not in result.stdout.str().lower()


# Modules the plugin shares with the rest of loopsafe: standard library only, and nothing
# from the analyser (the conflict phrases the report groups by; the one atomic write; the
# symlink-proof writes into `.loopsafe/`).
SHARED = {"loopsafe.conflicts", "loopsafe.atomic", "loopsafe.untrusted"}


def _imports(source: str) -> list[str]:
    return [
        line.strip()
        for line in source.splitlines()
        if line.strip().startswith(("import ", "from "))
    ]


def test_plugin_package_imports_nothing_from_the_rest_of_loopsafe() -> None:
    src = Path(__file__).resolve().parents[2] / "src"
    package = src / "loopsafe" / "pytest_plugin"
    sources = {path.name: path.read_text("utf-8") for path in package.glob("*.py")}
    assert {"__init__.py", "_plugin.py", "_tracer.py", "_patches.py", "_report.py"} <= set(sources)
    for name, source in sources.items():
        for stripped in _imports(source):
            assert not stripped.startswith("from .."), (name, stripped)
            if "loopsafe" in stripped:
                module = stripped.split()[1]
                assert module in SHARED, (name, stripped)
    for module in SHARED:
        path = src / (module.replace(".", "/") + ".py")
        for stripped in _imports(path.read_text("utf-8")):
            top = stripped.split()[1].split(".")[0]
            shared = stripped.split()[1] in SHARED  # one shared module using another
            assert top in sys.stdlib_module_names or top == "__future__" or shared, (
                module,
                stripped,
            )
