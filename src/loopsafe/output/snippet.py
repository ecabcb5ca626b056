"""The source lines around a finding, with a caret line under the site, for
`--output-format full` (the shape ruff's full output has had since 0.5).

The file is only read, as text: its encoding is found the way Python finds it (a PEP 263
cookie or a BOM), without running anything. A file that cannot be read any more (deleted
or changed since the analysis) just gets no snippet.
"""

from __future__ import annotations

import io
import os
import stat
import tokenize
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CONTEXT = 2  # lines shown before and after the site, as ruff does
_MAX_BYTES = 8 * 1024 * 1024  # a file larger than this gets no snippet
_TAB = 4


@dataclass(frozen=True)
class Snippet:
    """Numbered source lines, and where on the site's line the marker goes (display
    columns, tabs expanded)."""

    lines: tuple[tuple[int, str], ...]
    line: int
    start: int  # display offset of the site on its line
    width: int  # display width of the marker (at least 1)


class SourceLines:
    """Reads each file once, however many findings it has."""

    def __init__(self, cwd: Path | None = None) -> None:
        self.cwd = cwd
        self._files: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._files:
            self._files[path] = _read_lines(Path(self.cwd or ".") / path)
        return self._files[path]

    def snippet(
        self, path: str, line: int, col: int, end_line: int, end_col: int
    ) -> Snippet | None:
        lines = self.lines(path)
        if lines is None or not 1 <= line <= len(lines):
            return None
        text = lines[line - 1]
        first = max(line - CONTEXT, 1)
        last = min(line + CONTEXT, len(lines))
        shown = tuple((n, _expand(lines[n - 1])) for n in range(first, last + 1))
        start_char = max(col, 1) - 1
        # The marker spans the site on its first line; a site over several lines is marked
        # to the end of the first one.
        stop_char = end_col - 1 if end_line == line and end_col > col else len(text.rstrip())
        start = _width(_expand(text[:start_char]))
        width = _width(_expand(text[:stop_char])) - start
        return Snippet(shown, line, start, max(width, 1))


def _read_lines(path: Path) -> list[str] | None:
    try:
        # O_NONBLOCK: a FIFO planted where a source file was must not hang the output.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
                return None
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    # The lines as Python numbers them: \n, \r\n and a lone \r each end one; a form feed
    # does not (str.splitlines would split there and shift every line after it).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the newline ending the last line starts no line of its own
    return lines


def _expand(text: str) -> str:
    return text.rstrip("\n").expandtabs(_TAB).replace("\f", " ")


def _width(text: str) -> int:
    """Terminal cells: wide (CJK) characters take two, combining marks none."""
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total
