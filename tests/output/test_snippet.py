"""The source snippet of `--output-format full`: the right lines, and the marker under the
right characters, whatever the file's line endings, tabs, encoding or width of characters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loopsafe.output.snippet import SourceLines


def _marker(tmp_path: Path, data: bytes, line: int, col: int, end_col: int) -> tuple[str, str]:
    """The site's line as shown, and the marker line under it."""
    (tmp_path / "m.py").write_bytes(data)
    snippet = SourceLines(tmp_path).snippet("m.py", line, col, line, end_col)
    assert snippet is not None
    shown = dict(snippet.lines)[line]
    return shown, " " * snippet.start + "^" * snippet.width


def test_marker_under_the_call(tmp_path: Path) -> None:
    shown, marker = _marker(tmp_path, b"x = 1\ny = asyncio.run(f())\n", 2, 5, 21)
    assert shown == "y = asyncio.run(f())"
    assert marker == "    ^^^^^^^^^^^^^^^^"


def test_tabs_are_expanded_in_line_and_marker_alike(tmp_path: Path) -> None:
    shown, marker = _marker(tmp_path, b"def f():\n\treturn run(x)\n", 2, 9, 15)
    assert shown == "    return run(x)"
    assert marker == "           ^^^^^^"
    assert shown[len(marker) - 6 : len(marker)] == "run(x)"


def test_wide_characters_take_two_cells(tmp_path: Path) -> None:
    shown, marker = _marker(tmp_path, "名前 = run(x)\n".encode(), 1, 6, 12)
    assert shown == "名前 = run(x)"
    assert marker == "       ^^^^^^"  # 名前 are four cells, then " = "


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_lines_are_numbered_as_python_numbers_them(tmp_path: Path, newline: bytes) -> None:
    data = newline.join([b"a = 1", b"b = 2\x0c# after a form feed", b"c = run(x)", b""])
    (tmp_path / "m.py").write_bytes(data)
    snippet = SourceLines(tmp_path).snippet("m.py", 3, 5, 3, 11)
    assert snippet is not None
    assert snippet.lines == ((1, "a = 1"), (2, "b = 2 # after a form feed"), (3, "c = run(x)"))


def test_a_site_over_several_lines_is_marked_to_the_end_of_its_first(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("v = run(\n    x,\n)\n", encoding="utf-8")
    snippet = SourceLines(tmp_path).snippet("m.py", 1, 5, 3, 2)
    assert snippet is not None
    assert (snippet.start, snippet.width) == (4, 4)  # `run(`


def test_declared_encoding_is_honoured(tmp_path: Path) -> None:
    data = "# -*- coding: latin-1 -*-\ns = 'café'; run(x)\n".encode("latin-1")
    shown, marker = _marker(tmp_path, data, 2, 13, 19)
    assert shown == "s = 'café'; run(x)"
    assert marker == "            ^^^^^^"


def test_no_snippet_for_what_cannot_be_read(tmp_path: Path) -> None:
    source = SourceLines(tmp_path)
    assert source.snippet("gone.py", 1, 1, 1, 2) is None
    (tmp_path / "short.py").write_text("x = 1\n", encoding="utf-8")
    assert source.snippet("short.py", 5, 1, 5, 2) is None  # changed since the analysis
    os.mkfifo(tmp_path / "fifo.py")  # must not block
    assert source.snippet("fifo.py", 1, 1, 1, 2) is None
