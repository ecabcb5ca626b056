"""Editing suppression comments: the comment grammar (`with_codes`, `without_codes`) and
where LibCST puts the comment (`edit_comments`), for `--add-noqa` and LS001's fix."""

from __future__ import annotations

import pytest

from loopsafe.facts.suppressions import (
    BLANKET,
    directive_codes,
    parse_suppressions,
    with_codes,
    without_codes,
)
from loopsafe.fix.suppressions import edit_comments


@pytest.mark.parametrize(
    ("comment", "codes", "expected"),
    [
        ("", ["LS101"], "# loopsafe: ignore[LS101]"),
        ("# loopsafe: ignore[LS201]", ["LS101"], "# loopsafe: ignore[LS201, LS101]"),
        ("# noqa: E501", ["LS101", "LS104"], "# noqa: E501  # loopsafe: ignore[LS101, LS104]"),
        ("# noqa: E501, LS201", ["LS101"], "# noqa: E501, LS201, LS101"),
        ("# loopsafe: ignore", ["LS101"], "# loopsafe: ignore"),
        ("# loopsafe: ignore[LS1]", ["LS101"], "# loopsafe: ignore[LS1]"),
        ("# type: ignore", ["LS101"], "# type: ignore  # loopsafe: ignore[LS101]"),
        ("# noqa", ["LS101"], "# noqa  # loopsafe: ignore[LS101]"),
    ],
)
def test_with_codes(comment: str, codes: list[str], expected: str) -> None:
    assert with_codes(comment, codes) == expected
    line = f"x = 1  {expected}\n"
    assert all(any(c.startswith(s) for s in parse_suppressions(line)[1]) for c in codes)


@pytest.mark.parametrize(
    ("comment", "codes", "expected"),
    [
        ("# loopsafe: ignore[LS101]", ["LS101"], ""),
        ("# loopsafe: ignore[LS101, LS201]", ["LS101"], "# loopsafe: ignore[LS201]"),
        ("# noqa: E501, LS101", ["LS101"], "# noqa: E501"),
        ("# noqa: LS101", ["LS101"], ""),
        ("# noqa: E501  # loopsafe: ignore[LS104]", ["LS104"], "# noqa: E501"),
        ("# loopsafe: ignore[LS104]  # why", ["LS104"], "# why"),
        ("# loopsafe: ignore", [BLANKET], ""),
        ("# type: ignore  # noqa: LS101 LS102", ["LS102"], "# type: ignore  # noqa: LS101"),
        ("# NOQA: ls101, E501", ["LS101"], "# NOQA: E501"),
    ],
)
def test_without_codes(comment: str, codes: list[str], expected: str) -> None:
    assert without_codes(comment, codes) == expected
    assert not set(codes) & set(directive_codes(expected))


def test_a_noqa_never_becomes_blanket() -> None:
    """`# noqa: LS101` emptied goes whole: a bare `# noqa` would silence every linter."""
    assert without_codes("# noqa: LS101  # keep", ["LS101"]) == "# keep"


SOURCE = """\
import asyncio


@decorate(asyncio.run(x()))
async def handler():
    if asyncio.run(y()):  # see below
        pass
    a = 1; asyncio.run(z())
    asyncio.run(
        w()
    )
"""


def test_edit_comments_puts_each_comment_on_its_line() -> None:
    add = {4: ["LS101"], 6: ["LS101"], 8: ["LS101"], 9: ["LS101"], 10: ["LS101"]}
    text, done = edit_comments(SOURCE, add=add)
    assert done == set(add)
    lines = text.splitlines()
    assert lines[3] == "@decorate(asyncio.run(x()))  # loopsafe: ignore[LS101]"
    assert lines[5] == "    if asyncio.run(y()):  # see below  # loopsafe: ignore[LS101]"
    assert lines[7] == "    a = 1; asyncio.run(z())  # loopsafe: ignore[LS101]"
    assert lines[8] == "    asyncio.run(  # loopsafe: ignore[LS101]"
    assert lines[9] == "        w()  # loopsafe: ignore[LS101]"
    compile(text, "x.py", "exec")
    assert {n for n, codes in parse_suppressions(text).items() if "LS101" in codes} == set(add)


def test_edit_comments_keeps_line_endings_and_leaves_strings_alone() -> None:
    source = 'x = f("""\r\nabc\r\n""")\r\ny = 2\r\n'
    text, done = edit_comments(source, add={1: ["LS101"], 4: ["LS201"]})
    assert done == {4}
    assert text == 'x = f("""\r\nabc\r\n""")\r\ny = 2  # loopsafe: ignore[LS201]\r\n'


def test_dropping_a_comment_of_its_own() -> None:
    source = "def f():\n    # loopsafe: ignore[LS101]\n    return 1\n"
    kept, done = edit_comments(source, drop={2: ["LS101"]})
    assert done == {2} and kept == "def f():\n\n    return 1\n"
    gone, _ = edit_comments(source, drop={2: ["LS101"]}, keep_lines=False)
    assert gone == "def f():\n    return 1\n"


def test_a_comment_after_a_multi_line_string_covers_its_lines() -> None:
    from loopsafe.facts.suppressions import suppression_comments, suppression_lines

    source = (
        'a = f("""\nx\n""")  # noqa: LS101\nb = g("""\ny\n""", """\nz\n""")  # loopsafe: ignore\n'
    )
    assert parse_suppressions(source) == {
        1: ("LS101",),
        2: ("LS101",),
        3: ("LS101",),
        4: ("",),
        5: ("",),
        6: ("",),
        7: ("",),
        8: ("",),
    }
    assert suppression_lines(source, [1, 2, 3, 4, 6, 8]) == {1: 3, 2: 3, 3: 3, 4: 8, 6: 8, 8: 8}
    assert [c.lines for c in suppression_comments(source)] == [(3, 1, 2), (8, 6, 7, 4, 5)]
