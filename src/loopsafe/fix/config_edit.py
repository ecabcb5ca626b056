"""Set pytest options in the configuration file pytest reads, keeping its formatting:
tomlkit for pyproject.toml, line edits for pytest.ini / tox.ini / setup.cfg."""

from __future__ import annotations

import re

import tomlkit
from tomlkit.items import Table


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
    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        if lines and lines[-1].strip():
            lines.append(newline)
        lines.append(f"[{section}]{newline}")
        lines.extend(f"{key} = {value}{newline}" for key, value in options.items())
        return "".join(lines)
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[i])), len(lines)
    )
    remaining = dict(options)
    for i in range(start + 1, end):
        match = re.match(r"^(\s*)([A-Za-z0-9_.-]+)(\s*[=:]\s*)", lines[i])
        if match and match.group(2) in remaining:
            ending = newline if lines[i].endswith(("\n", "\r")) else ""
            value = remaining.pop(match.group(2))
            lines[i] = f"{match.group(1)}{match.group(2)}{match.group(3)}{value}{ending}"
    insert_at = end
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1  # keep the blank lines that separate sections
    if insert_at > 0 and not lines[insert_at - 1].endswith(("\n", "\r")):
        lines[insert_at - 1] += newline
    new = [f"{key} = {value}{newline}" for key, value in remaining.items()]
    lines[insert_at:insert_at] = new
    return "".join(lines)
