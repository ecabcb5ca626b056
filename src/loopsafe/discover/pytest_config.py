"""The pytest settings a configuration file holds, read the way pytest reads them.

One reader for every command: `check` and `fix` judge and edit the pytest-asyncio set-up
with it, `tests` registers markers with it, `report` describes it. pytest takes, per
directory, the first of `PYTEST_CONFIG_NAMES` that holds its settings: pytest.toml and
.pytest.toml (`[pytest]`) and pytest.ini and .pytest.ini always count, even without a
section; pyproject.toml counts with `[tool.pytest]` (pytest 9's native table) or
`[tool.pytest.ini_options]`; tox.ini with `[pytest]`; setup.cfg with `[tool:pytest]`.
INI files are split as iniconfig (pytest's parser) splits them: values keep inline
comments, continuation lines join with newlines.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# The files pytest reads its configuration from, in the order it tries them per directory.
PYTEST_CONFIG_NAMES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)
_NATIVE_TOML = ("pytest.toml", ".pytest.toml")
_DEDICATED_INI = ("pytest.ini", ".pytest.ini")


class PytestConfigError(Exception):
    """A configuration file that cannot be read as pytest would (one line)."""


@dataclass
class PytestSettings:
    """The pytest settings of one file (`path`, as the caller named it). `section` is the
    table or section they sit in (`pytest`, `tool:pytest`, `tool.pytest`,
    `tool.pytest.ini_options`), "" when the file counts for pytest without having one yet;
    `options` maps each key to its value (a string in INI files, the TOML value in TOML
    files) and its line."""

    path: str
    section: str = ""
    header_line: int = 1
    options: dict[str, tuple[Any, int]] = field(default_factory=dict)

    def text(self, key: str, default: str = "") -> str:
        """The value of `key` as one string."""
        found = self.options.get(key)
        return default if found is None else str(found[0])

    def line(self, key: str) -> int:
        """Where `key` is set, else the section header."""
        found = self.options.get(key)
        return found[1] if found is not None else self.header_line

    def values(self, key: str) -> tuple[str, ...] | None:
        """The value of `key` split as pytest splits list-like settings (None: unset)."""
        found = self.options.get(key)
        return None if found is None else split_values(key, found[0])

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def write_section(self) -> str:
        """The section new settings go into: the existing one, else the one pytest reads
        from a file of this name."""
        return self.section or default_section(self.name)


def default_section(name: str) -> str:
    if name == "pyproject.toml":
        return "tool.pytest.ini_options"
    if name == "setup.cfg":
        return "tool:pytest"
    return "pytest"


def split_values(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    text = str(value)
    if key == "markers":
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    try:
        return tuple(shlex.split(text))
    except ValueError:
        return tuple(text.split())


def read_settings(name: str, text: str, *, explicit: bool = False) -> PytestSettings | None:
    """The pytest settings in a file called `name` with contents `text`; None when pytest
    would pass the file by. `explicit`: the file was named with `pytest -c`, and counts
    whatever its name, with or without a pytest section. Raises `PytestConfigError` when
    the file cannot be parsed."""
    base = PurePosixPath(name).name
    if base.endswith(".toml"):
        found = _toml_settings(name, text, native=base != "pyproject.toml")
    else:
        sections = ini_sections(text)
        found = sections.get("tool:pytest" if base == "setup.cfg" else "pytest")
        if found is not None:
            found.path = name
    if found is not None:
        return found
    if explicit or base in _NATIVE_TOML or base in _DEDICATED_INI:
        return PytestSettings(name)
    return None


def first_settings(
    files: Iterable[tuple[str, str]], *, explicit: bool = False
) -> PytestSettings | None:
    """The first of (relpath, text) pairs, ordered as pytest looks (nearest directory
    first, `PYTEST_CONFIG_NAMES` order within one), that pytest takes its settings from.
    Files that cannot be parsed are passed by. `explicit`: the first file is a `-c` file."""
    for number, (relpath, text) in enumerate(files):
        if PurePosixPath(relpath).name not in PYTEST_CONFIG_NAMES and not (
            explicit and number == 0
        ):
            continue
        try:
            found = read_settings(relpath, text, explicit=explicit and number == 0)
        except PytestConfigError:
            continue
        if found is not None:
            return found
    return None


def _toml_settings(name: str, text: str, *, native: bool) -> PytestSettings | None:
    """`native`: a pytest.toml-style file, whose settings sit in a top-level `[pytest]`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PytestConfigError(f"{name}: invalid TOML: {exc}") from None
    if native:
        table = data.get("pytest")
        section = "pytest"
    else:
        tool = data.get("tool")
        pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
        if not isinstance(pytest_table, dict):
            return None
        ini = pytest_table.get("ini_options")
        table = {k: v for k, v in pytest_table.items() if k != "ini_options"}
        section = "tool.pytest"
        # pytest 9 refuses a file with both tables; earlier versions read ini_options.
        if isinstance(ini, dict):
            table, section = ini, "tool.pytest.ini_options"
        elif not table:
            return None
    if not isinstance(table, dict):
        return None
    lines = text.splitlines()
    header = _toml_header(lines, section)
    settings = PytestSettings(name, section, header)
    for key, value in table.items():
        settings.options[str(key)] = (value, _key_line(lines, str(key), header))
    return settings


def _toml_header(lines: list[str], section: str) -> int:
    wanted = section.replace(" ", "")
    for number, line in enumerate(lines, start=1):
        head = line.strip().split("#", 1)[0].replace(" ", "").replace("\t", "")
        if head == f"[{wanted}]":
            return number
    return 1


def _key_line(lines: list[str], key: str, start: int) -> int:
    for number in range(start, len(lines) + 1):
        stripped = lines[number - 1].lstrip()
        if stripped.startswith(key) and stripped[len(key) :].lstrip()[:1] in ("=", ":"):
            return number
    return start


# ----------------------------------------------------------------------------- INI files
@dataclass
class IniLine:
    """iniconfig's reading of one line."""

    kind: str  # "section", "key", "cont" (a continuation), "blank" (blank or comment)
    name: str = ""
    value: str = ""


def ini_lines(lines: Iterable[str]) -> list[IniLine]:
    out: list[IniLine] = []
    for raw in lines:
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            out.append(IniLine("blank"))
            continue
        line = raw.rstrip()
        if line[0] == "[":
            head = line
            for char in "#;":
                head = head.split(char)[0].rstrip()
            if head.endswith("]"):
                out.append(IniLine("section", head[1:-1]))
            else:
                out.append(IniLine("cont", value=stripped))
        elif not line[0].isspace():
            name, sep, value = line.partition("=")
            if not sep or ":" in name:
                name, sep, value = line.partition(":")
            out.append(IniLine("key" if sep else "cont", name.strip(), value.strip()))
        else:
            out.append(IniLine("cont", value=stripped))
    return out


def ini_sections(text: str) -> dict[str, PytestSettings]:
    """Every section of an INI text, with its keys, values and lines."""
    sections: dict[str, PytestSettings] = {}
    current: PytestSettings | None = None
    key = ""
    for number, line in enumerate(ini_lines(text.splitlines()), start=1):
        if line.kind == "section":
            current = sections.setdefault(line.name, PytestSettings("", line.name, number))
        elif line.kind == "key" and current is not None:
            key = line.name
            current.options[key] = (line.value, number)
        elif line.kind == "cont" and current is not None and key in current.options:
            value, where = current.options[key]
            current.options[key] = ((str(value) + "\n" + line.value).lstrip("\n"), where)
    return sections
