"""``pytest --loopsafe``: trace every event-loop conflict of a test run to the project line.

pytest imports this module at start-up in every run of every project that has loopsafe
installed (the ``pytest11`` entry point), so it only registers the option. The tracer, and
with it asyncio, logging and json, is imported only once ``--loopsafe`` is given. Nothing
here imports the rest of loopsafe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._plugin import LoopsafePlugin

__all__ = ["pytest_addoption", "pytest_configure", "pytest_load_initial_conftests"]

_PLUGIN_NAME = "loopsafe-tracer"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("loopsafe", "loopsafe event-loop conflict tracing")
    group.addoption(
        "--loopsafe",
        action="store_true",
        default=False,
        help="record every event-loop conflict (asyncio.run() in a running loop, 'attached "
        "to a different loop', 'Event loop is closed', ...) with the project line behind "
        "it, even when the code swallowed it; print a summary and write "
        ".loopsafe/runtime.json in the rootdir.",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Patch asyncio before conftest.py files (and the project modules they import) run, so
    # `from asyncio import run` there binds the traced function.
    if getattr(early_config.known_args_namespace, "loopsafe", False):
        _start(early_config)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("loopsafe", default=False):
        _start(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if plugin is not None:
        plugin.stop()
        config.pluginmanager.unregister(plugin)


def _start(config: pytest.Config) -> LoopsafePlugin:
    existing: LoopsafePlugin | None = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if existing is not None:
        return existing
    from ._plugin import LoopsafePlugin

    plugin = LoopsafePlugin(config)
    plugin.start()
    config.pluginmanager.register(plugin, _PLUGIN_NAME)
    return plugin
