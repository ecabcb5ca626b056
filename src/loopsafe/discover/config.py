"""`[tool.loopsafe]` configuration: found by walking up from the first path.

Unknown keys and wrong types are errors (exit 2 with one line naming the key), as in ruff:
a typo in configuration must never silently change what gets reported.
"""

from __future__ import annotations

import keyword
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from loopsafe.untrusted import read_regular

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class ConfigError(Exception):
    """Bad configuration; the message is one line meant for the user."""


DEFAULT_RUN_SYNC = "loopsafe:run_sync"
OUTPUT_FORMATS = ("full", "concise")  # loopsafe.output.OUTPUT_FORMATS
# Where fixes import `run_sync` from: "auto" (loopsafe when the project depends on it, else
# a copy vendored into its package), "vendor" (always the copy), or "module:name".
HELPER_MODES = ("auto", "vendor")


def check_target(value: str, where: str) -> str:
    """`value` if it is ruff's spelling of a Python version (`py314`); else a ConfigError."""
    from loopsafe.facts.python_versions import parse_target

    if parse_target(value) is None:
        raise ConfigError(f"{where} must look like 'py314' (py3 and the minor version)")
    return value


def check_helper_import(value: str, where: str, *, modes: bool = True) -> str:
    """`value` if it is a valid `run-sync-import` (`modes`: "auto" and "vendor" allowed);
    else a ConfigError naming `where`."""
    if modes and value in HELPER_MODES:
        return value
    module, colon, name = value.partition(":")
    parts = [*module.split("."), name]
    # A keyword is no name to import (`from class import run_sync` does not parse).
    if not colon or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        expected = "be 'auto', 'vendor' or look like" if modes else "look like"
        raise ConfigError(f"{where} must {expected} 'module:name'")
    return value


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    show_ok: bool = False
    jobs: int | None = None
    cache: bool = True
    cache_dir: str = ".loopsafe_cache"
    # The baseline file `check` reads (relative to `root`; "" for none): see loopsafe.baseline.
    baseline: str = ""
    respect_gitignore: bool = True
    # Extra dotted names: decorators (or `module:function` targets) that make entry points.
    entry_points: tuple[str, ...] = ()
    # Extra dotted decorator names that make task-queue workers.
    worker_decorators: tuple[str, ...] = ()
    # Extra dotted names of functions whose function argument runs in a worker thread.
    thread_apis: tuple[str, ...] = ()
    # Import path of the helper fixes call, `module:name` (older spelling of
    # `run_sync_import`; "" when not set).
    run_sync: str = ""
    # Where fixes import the helper from: see HELPER_MODES, or `module:name`.
    run_sync_import: str = "auto"
    # The pytest configuration file to read, as `pytest -c FILE` (relative to `root`).
    pytest_config: str = ""
    # The newest Python the code must run on (`py314`); "" reads requires-python.
    target_version: str = ""
    # The style of text output, `full` or `concise` ("": full), as ruff's `output-format`.
    output_format: str = ""
    # Directory holding the pyproject.toml the settings came from (project root), if any.
    root: Path | None = field(default=None, compare=False)
    source: Path | None = field(default=None, compare=False)

    def pytest_config_path(self, cwd: Path) -> Path | None:
        """The `pytest -c` file, absolute, if one is set."""
        if not self.pytest_config:
            return None
        return (self.root or cwd) / self.pytest_config  # an absolute value stays as it is

    @property
    def helper_import(self) -> str:
        """What fixes import `run_sync` from: "auto", "vendor" or "module:name"."""
        if self.run_sync_import != "auto":
            return self.run_sync_import
        return self.run_sync or "auto"

    def merged(self, **overrides: Any) -> Config:
        """A copy with the given (non-None) command-line values taking precedence."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _key(name: str) -> str:
    return name.replace("_", "-")


_FIELDS = {f.name: f for f in fields(Config) if f.name not in ("root", "source")}
_LISTS = {n for n, f in _FIELDS.items() if str(f.type).startswith("tuple")}
_BOOLS = {n for n, f in _FIELDS.items() if f.type == "bool"}


def parse_table(table: Mapping[str, Any], source: Path) -> dict[str, Any]:
    """Validate a `[tool.loopsafe]` table; return Config keyword arguments."""
    out: dict[str, Any] = {}
    known = {_key(n): n for n in _FIELDS}
    for key, value in table.items():
        name = known.get(key)
        if name is None:
            raise ConfigError(f"{source}: unknown key '{key}' in [tool.loopsafe]")
        where = f"{source}: [tool.loopsafe] {key}"
        if name in _LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} must be a list of strings")
            out[name] = tuple(value)
        elif name in _BOOLS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false")
            out[name] = value
        elif name == "jobs":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where} must be a positive integer")
            out[name] = value
        else:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where} must be a non-empty string")
            if name in ("run_sync", "run_sync_import"):
                check_helper_import(value, where, modes=name == "run_sync_import")
            if name == "target_version":
                check_target(value, where)
            if name == "output_format" and value not in OUTPUT_FORMATS:
                raise ConfigError(f"{where} must be one of {', '.join(OUTPUT_FORMATS)}")
            out[name] = value
    if out.get("run_sync") and out.get("run_sync_import", "auto") != "auto":
        raise ConfigError(
            f"{source}: [tool.loopsafe] run-sync and run-sync-import are the same setting; "
            "keep run-sync-import"
        )
    return out


MAX_CONFIG_BYTES = 16 * 1024 * 1024  # a bigger configuration file is not read


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.loopsafe] table,
    else the nearest pyproject.toml at all (it still marks the project root)."""
    try:
        here = start.resolve()
    except (OSError, RuntimeError):  # a symlink loop: look from where the link is
        here = start.absolute()
    if here.is_file() or not here.exists():
        here = here.parent
    nearest: Path | None = None
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            if nearest is None:
                nearest = candidate
            data = read_regular(candidate, MAX_CONFIG_BYTES)
            if data is None:
                continue
            if b"loopsafe" in data and _mentions_table(data):
                return candidate
    return nearest


def _mentions_table(data: bytes) -> bool:
    """Whether the file has a [tool.loopsafe] table, in any TOML spelling. A file that does
    not parse counts, so that loading it reports the error instead of skipping it."""
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    tool = parsed.get("tool")
    return isinstance(tool, dict) and "loopsafe" in tool


def load_config(start: Path, explicit: Path | None = None) -> Config:
    """Load settings for a scan starting at `start` (or from `explicit`)."""
    path = explicit or find_pyproject(start)
    if path is None:
        return Config()
    raw = read_regular(path, MAX_CONFIG_BYTES)  # never blocks on a FIFO, never loads /dev/zero
    if raw is None:
        try:
            path.stat()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        raise ConfigError(f"{path}: cannot read: not a regular file of at most 16 MB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: the file is not UTF-8") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    table = tool.get("loopsafe", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.loopsafe] must be a table")
    return Config(**parse_table(table, path), root=path.parent, source=path)
