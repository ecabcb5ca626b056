"""The pytest configuration a test file is run with, found as pytest finds it, and the
edits that register loopsafe's markers in it without disturbing anything else.

pytest walks up from the paths it is given and, in each directory, takes the first of
pytest.toml, .pytest.toml, pytest.ini, .pytest.ini, pyproject.toml (with `[tool.pytest]`
or `[tool.pytest.ini_options]`), tox.ini (with `[pytest]`), setup.cfg (with
`[tool:pytest]`); failing all of them, the first pyproject.toml it passed. loopsafe does
the same from each test file's directory. INI files are edited as text (the way
iniconfig, pytest's reader, splits them), TOML files with tomlkit; both keep the file's
formatting, comments, BOM and line endings.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopsafe.discover.pytest_config import (
    PYTEST_CONFIG_NAMES,
    PytestSettings,
    default_section,
    ini_lines,
    read_settings,
    split_values,
)
from loopsafe.discover.pytest_config import PytestConfigError as ReadError
from loopsafe.testsort.catalogue import MARKER_HELP
from loopsafe.testsort.model import CATEGORIES, Category

_ROOT_MARKERS = ("setup.py", "setup.cfg", "tox.ini", ".git")
DEFAULT_NORECURSE = (
    "*.egg",
    ".*",
    "_darcs",
    "build",
    "CVS",
    "dist",
    "node_modules",
    "venv",
    "{arch}",
)
_DEFAULTS: dict[str, tuple[str, ...]] = {
    "python_files": ("test_*.py", "*_test.py"),
    "python_classes": ("Test",),
    "python_functions": ("test",),
    "norecursedirs": DEFAULT_NORECURSE,
    "testpaths": (),
    "usefixtures": (),
    "markers": (),
}


class PytestConfigError(Exception):
    """A pytest configuration file loopsafe cannot read or safely edit (one line)."""


@dataclass
class PytestConfig:
    """`path` is the file pytest reads (None: there is none; `table` says where the
    settings are: `pytest`, `tool:pytest`, `tool.pytest`, `tool.pytest.ini_options`, or
    "" when the file has no pytest section yet."""

    path: Path | None
    rootdir: Path
    table: str = ""
    settings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    error: str = ""

    def get(self, key: str) -> tuple[str, ...]:
        value = self.settings.get(key)
        return value if value is not None else _DEFAULTS[key]

    @property
    def display(self) -> str:
        return self.path.name if self.path is not None else "pyproject.toml"


# --------------------------------------------------------------------------- reading
def _decode(data: bytes) -> tuple[str, bool]:
    bom = data.startswith(codecs.BOM_UTF8)
    return data.decode("utf-8-sig"), bom


def _read(path: Path) -> tuple[str, bool]:
    try:
        return _decode(path.read_bytes())
    except OSError as exc:
        raise PytestConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PytestConfigError(f"{path}: not UTF-8") from None


def _settings(settings: PytestSettings) -> dict[str, tuple[str, ...]]:
    return {k: split_values(k, v) for k, (v, _) in settings.options.items() if k in _DEFAULTS}


def _load(path: Path, *, explicit: bool = False) -> PytestConfig | None:
    """The configuration `path` holds when pytest takes its settings from it."""
    text, _ = _read(path)
    try:
        found = read_settings(str(path), text, explicit=explicit)
    except ReadError as exc:
        raise PytestConfigError(str(exc)) from None
    if found is None:
        return None
    return PytestConfig(path, path.parent, found.section, _settings(found))


class ConfigFinder:
    """Finds the configuration pytest would use, reading each directory once."""

    def __init__(self, cwd: Path | None = None, explicit: Path | None = None) -> None:
        """`explicit`: the file given with `pytest -c`; every test is run with it."""
        self.cwd = cwd.absolute() if cwd is not None else None
        self._by_start: dict[Path, PytestConfig] = {}
        self._in_dir: dict[Path, PytestConfig | None] = {}
        self._explicit: PytestConfig | None = None
        if explicit is not None:
            self._explicit = self._read_explicit(explicit.absolute())

    @staticmethod
    def _read_explicit(path: Path) -> PytestConfig:
        """pytest reads a `-c` file whatever its name, and takes its directory as rootdir."""
        try:
            found = _load(path, explicit=True)
        except PytestConfigError as exc:
            return PytestConfig(path, path.parent, "", {}, str(exc))
        return found or PytestConfig(path, path.parent)

    def for_dir(self, directory: Path) -> PytestConfig:
        if self._explicit is not None:
            return self._explicit
        directory = directory.absolute()
        cached = self._by_start.get(directory)
        if cached is not None:
            return cached
        first_pyproject: Path | None = None
        found: PytestConfig | None = None
        for base in (directory, *directory.parents):
            found = self._dir(base)
            if found is not None:
                break
            if first_pyproject is None and (base / "pyproject.toml").is_file():
                first_pyproject = base / "pyproject.toml"
        if found is None:
            if first_pyproject is not None:
                found = self._fallback(first_pyproject)
            else:
                found = PytestConfig(None, _root_for(directory, self.cwd))
        self._by_start[directory] = found
        return found

    def _fallback(self, path: Path) -> PytestConfig:
        """pytest's last resort: the first pyproject.toml, even without a pytest table."""
        key = path.parent / ".pyproject-fallback"
        config = self._in_dir.get(key)
        if config is None:
            config = self._in_dir[key] = PytestConfig(path, path.parent)
        return config

    def _dir(self, base: Path) -> PytestConfig | None:
        if base not in self._in_dir:
            self._in_dir[base] = self._read_dir(base)
        return self._in_dir[base]

    @staticmethod
    def _read_dir(base: Path) -> PytestConfig | None:
        for name in PYTEST_CONFIG_NAMES:
            path = base / name
            if not path.is_file():
                continue
            try:
                loaded = _load(path)
            except PytestConfigError as exc:
                return PytestConfig(path, base, "", {}, str(exc))
            if loaded is not None:
                return loaded
        return None


def _root_for(directory: Path, cwd: Path | None) -> Path:
    """Where a new pyproject.toml goes when a project has no configuration at all: the
    nearest directory that looks like a project root, else the current directory when the
    tests are below it (pytest is run from there), else the tests' own directory."""
    for base in (directory, *directory.parents):
        if any((base / marker).exists() for marker in _ROOT_MARKERS):
            return base
    if cwd is not None and (cwd == directory or cwd in directory.parents):
        return cwd
    return directory


# --------------------------------------------------------------------------- registering
def marker_names(entries: Iterable[str]) -> set[str]:
    """Names of registered markers, as pytest reads `markers` lines."""
    return {e.split(":", 1)[0].split("(")[0].strip() for e in entries if e.strip()}


def marker_line(category: Category) -> str:
    return f"{category.value}: {MARKER_HELP[category]}"


@dataclass
class Edit:
    """New content for a configuration file; `old` is None when the file is created."""

    path: Path
    old: bytes | None
    new: bytes
    added: tuple[str, ...] = ()


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def plan_registration(config: PytestConfig, categories: Iterable[Category]) -> Edit | None:
    """The edit registering `categories` in `config`'s file, or None if all are there."""
    if config.error:
        raise PytestConfigError(config.error)
    wanted = [c for c in CATEGORIES if c in set(categories)]
    missing = [c for c in wanted if c.value not in marker_names(config.get("markers"))]
    if not missing:
        return None
    entries = [marker_line(c) for c in missing]
    added = tuple(c.value for c in missing)
    if config.path is None:
        path = config.rootdir / "pyproject.toml"
        text = _toml_new_table("tool.pytest.ini_options", entries, "\n")
        return Edit(path, None, text.encode("utf-8"), added)
    data = config.path.read_bytes()
    text, bom = _decode(data)
    name = config.path.name
    if name.endswith(".toml"):
        new_text = _toml_register(config, text, entries)
    else:
        section = config.table or "pytest"
        new_text = _ini_register(text, section, entries)
    new = (codecs.BOM_UTF8 if bom else b"") + new_text.encode("utf-8")
    _check(config.path, new_text, missing)
    return Edit(config.path, data, new, added) if new != data else None


def _check(path: Path, text: str, missing: list[Category]) -> None:
    """Read the edited text back as pytest would: the markers must be there."""
    try:
        found = read_settings(str(path), text)
    except ReadError as exc:
        raise PytestConfigError(f"{path}: cannot add the markers: {exc}") from None
    entries = (found.values("markers") if found is not None else None) or ()
    lost = [c.value for c in missing if c.value not in marker_names(entries)]
    if lost:  # pragma: no cover - a bug, never a user error
        raise PytestConfigError(f"{path}: could not register the markers {', '.join(lost)}")


def _ini_register(text: str, section: str, entries: list[str]) -> str:
    newline = _newline(text)
    lines = text.splitlines(keepends=True)
    parsed = ini_lines(lines)
    start = next(
        (i for i, line in enumerate(parsed) if line.kind == "section" and line.name == section),
        None,
    )
    if start is None:  # a pytest.ini without [pytest]
        block = [f"[{section}]", "markers =", *(f"    {e}" for e in entries)]
        prefix = text if not text or text.endswith(("\n", "\r")) else text + newline
        gap = newline if prefix.strip() else ""
        return prefix + gap + newline.join(block) + newline
    end = next(
        (i for i in range(start + 1, len(parsed)) if parsed[i].kind == "section"), len(parsed)
    )
    key = next(
        (
            i
            for i in range(start + 1, end)
            if parsed[i].kind == "key" and parsed[i].name == "markers"
        ),
        None,
    )
    if key is None:
        last = max((i for i in range(start, end) if parsed[i].kind != "blank"), default=start)
        insert = ["markers =" + newline, *(f"    {e}{newline}" for e in entries)]
    else:
        last = key
        indent = ""
        for i in range(key + 1, end):
            if parsed[i].kind in ("key", "section"):
                break
            if parsed[i].kind == "cont":
                last = i
                indent = indent or lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        indent = indent or "    "
        insert = [f"{indent}{e}{newline}" for e in entries]
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    lines[last + 1 : last + 1] = insert
    return "".join(lines)


def _toml_new_table(table: str, entries: list[str], newline: str) -> str:
    body = [f"[{table}]", "markers = [", *(f"    {_toml_string(e)}," for e in entries), "]"]
    return newline.join(body) + newline


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _toml_register(config: PytestConfig, text: str, entries: list[str]) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    assert config.path is not None
    newline = _newline(text)
    table_name = config.table or default_section(config.path.name)
    if not config.table:  # no table yet: append one, touching nothing else
        prefix = text if not text or text.endswith(("\n", "\r")) else text + newline
        gap = newline if prefix.strip() else ""
        return prefix + gap + _toml_new_table(table_name, entries, newline)
    try:
        document = tomlkit.parse(text)
        table: Any = document
        for part in table_name.split("."):
            table = table[part]
        current = table.get("markers")
        if current is None:
            array = tomlkit.array()
            array.extend(entries)
            array.multiline(True)
            table["markers"] = array
        elif isinstance(current, list):
            current.extend(entries)
        else:  # a string of lines, as INI-style configuration allows
            array = tomlkit.array()
            array.extend([*split_values("markers", str(current)), *entries])
            array.multiline(True)
            table["markers"] = array
        out = tomlkit.dumps(document)
    except (TOMLKitError, KeyError, TypeError) as exc:
        raise PytestConfigError(f"{config.path}: cannot edit [{table_name}]: {exc}") from None
    if newline == "\r\n":
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return out
