"""The baseline file's keys and format: what survives unrelated edits, and what it reads back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from loopsafe.baseline import BaselineError, Key, dumps, load, normalised


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    loop = asyncio.get_event_loop()\n", "loop = asyncio.get_event_loop()"),
        (
            "loop  =  asyncio.get_event_loop()  # loopsafe: ignore[LS201]",
            "loop = asyncio.get_event_loop()",
        ),
        ('log("# not a comment")  # a comment', 'log("# not a comment")'),
        ("    asyncio.run(  # opens a bracket", "asyncio.run("),
        ('    text = """# inside a string', 'text = """# inside a string'),
    ],
)
def test_normalised_line(line: str, expected: str) -> None:
    assert normalised(line) == expected


def test_dumps_is_sorted_and_load_reads_it_back(tmp_path: Path) -> None:
    entries = Counter(
        {
            Key("pkg/b.py", "LS101", "pkg.b.f", "00aa"): 2,
            Key("pkg/a.py", "LS201", "pkg.a", "11bb"): 1,
            Key("pkg/\udcff.py", "LS104", "pkg.x.g", "22cc"): 1,  # not UTF-8 on disk
        }
    )
    text = dumps(entries)
    path = tmp_path / "base.json"
    path.write_text(text, encoding="utf-8")
    assert load(path) == entries
    assert text.index("pkg/a.py") < text.index("pkg/b.py")
    assert dumps(load(path)) == text


def test_load_rejects_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="not a regular file"):
        load(tmp_path)
