"""Fixes keep a file's layout byte for byte (issue 15, item 10): any mix of LF, CRLF and
bare-CR line endings, form feeds at line starts and elsewhere, with or without a final
newline. Only the fixed call changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from loopsafe.engine import analyse_project
from loopsafe.fix.apply import plan_fixes, write_changes
from loopsafe.fix.layout import restore_layout, split_lines, strip_form_feeds

CODE = [
    b"import asyncio",
    b"async def main():",
    b"    loop = asyncio.get_event_loop()",
    b"    return loop",
    b"x = 1",
]
ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def layouts(draw: st.DrawFn) -> bytes:
    out = b""
    for number, line in enumerate(CODE):
        for _ in range(draw(st.integers(0, 2))):  # blank, form-feed or comment lines
            filler = draw(st.sampled_from([b"", b"\x0c", b"\x0c\x0c", b"# a \x0c comment"]))
            out += filler + draw(ENDINGS)
        if draw(st.booleans()):
            line = b"\x0c" + line  # ignored by Python's tokenizer at a line's start
        out += line
        if number < len(CODE) - 1 or draw(st.booleans()):
            out += draw(ENDINGS)
    if draw(st.booleans()):
        out += draw(st.sampled_from([b"\x0c", b"\r", b"\n\x0c", b"\r\r"]))
    return out


@settings(max_examples=30, deadline=None)
@given(layouts())
@example(
    b"import asyncio\nasync def main():\n    loop = asyncio.get_event_loop()\r\x0c\n    return loop\nx = 1"
)
def test_only_the_fixed_call_changes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        (root / "app.py").write_bytes(data)
        analysis = analyse_project([root], cwd=root, jobs=1, use_cache=False)
        report = plan_fixes(analysis, unsafe=False, cwd=root, root=root)
        assert [c.path for c in report.changes] == ["app.py"], report.skipped
        write_changes(report.changes, root)
        assert (root / "app.py").read_bytes() == data.replace(
            b"get_event_loop", b"get_running_loop"
        )


def test_lines_split_only_where_python_splits_them() -> None:
    assert split_lines("a\x0cb\r\nc\rd\ne") == ["a\x0cb\r\n", "c\r", "d\n", "e"]
    assert strip_form_feeds("\x0c\x0cx = 1\r\x0c\n  y\x0c\n") == "x = 1\r \n  y\x0c\n"


def test_a_changed_line_keeps_its_form_feed_and_a_cr_file_its_last_newline() -> None:
    original = "\x0cold = 1\rkeep = 2\r"
    given_text = strip_form_feeds(original)
    printed = "new = 1\rkeep = 2"  # what LibCST prints: the last CR dropped
    assert restore_layout(original, given_text, printed, libcst_drops_final_cr=True) == (
        "\x0cnew = 1\rkeep = 2\r"
    )
