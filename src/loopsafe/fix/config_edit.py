"""Set pytest options in the configuration file pytest reads, keeping its formatting:
tomlkit for pyproject.toml, line edits for pytest.ini / tox.ini / setup.cfg."""

from __future__ import annotations

import re

import tomlkit
from tomlkit.items import Table

from loopsafe.discover.pytest_config import ini_lines


def set_options(path: str, text: str, section: str, options: dict[str, str]) -> str:
    """`text` with `options` set under `section`; the section is created if missing."""
    if path.endswith(".toml"):
        return _set_toml(text, section, options)
    return _set_ini(text, section, options)


def _set_toml(text: str, section: str, options: dict[str, str]) -> str:
    document = tomlkit.parse(text)
    table: Table | tomlkit.TOMLDocument = document
    for part in section.split("."):
        child = table.get(part)
        if child is None:
            child = tomlkit.table(is_super_table=part != section.split(".")[-1])
            table.add(part, child)
        table = child
    for key, value in options.items():
        table[key] = value
    return tomlkit.dumps(document)


def _set_ini(text: str, section: str, options: dict[str, str]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    parsed = ini_lines(lines)
    start = next(
        (i for i, line in enumerate(parsed) if line.kind == "section" and line.name == section),
        None,
    )
    if start is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        if lines and lines[-1].strip():
            lines.append(newline)
        lines.append(f"[{section}]{newline}")
        lines.extend(f"{key} = {value}{newline}" for key, value in options.items())
        return "".join(lines)
    end = next(
        (i for i in range(start + 1, len(parsed)) if parsed[i].kind == "section"), len(parsed)
    )
    remaining = dict(options)
    body: list[str] = []  # the section's lines, with the options set
    i = start + 1
    while i < end:
        line = lines[i]
        if parsed[i].kind == "key" and parsed[i].name in remaining:
            match = re.match(r"^([^=:]*?[ \t]*[=:][ \t]*)", line)
            prefix = match.group(1) if match else f"{parsed[i].name} = "
            prefix += "" if prefix[-1:].isspace() else " "
            ending = newline if line.endswith(("\n", "\r")) else ""
            line = f"{prefix}{remaining.pop(parsed[i].name)}{ending}"
            while i + 1 < end and parsed[i + 1].kind == "cont":
                i += 1  # the old value's continuation lines go with it
        body.append(line)
        i += 1
    trailing: list[str] = []
    while body and not body[-1].strip():
        trailing.insert(0, body.pop())  # keep the blank lines that separate sections
    if remaining:
        last = body if body else lines
        index = len(body) - 1 if body else start
        if not last[index].endswith(("\n", "\r")):
            last[index] += newline
        body += [f"{key} = {value}{newline}" for key, value in remaining.items()]
    return "".join([*lines[: start + 1], *body, *trailing, *lines[end:]])
