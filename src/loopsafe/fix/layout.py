"""Keep a fixed file's layout byte for byte where LibCST would not.

LibCST drops a form feed that starts a line (and cannot parse one in an indented line's
leading whitespace), drops the last newline of a file whose lines end in a bare CR, and
shortens blank lines at the end of a file. Fixes therefore hand LibCST the code without
the blank lines after it (`split_tail`, put back as they were) and without line-leading
form feeds (`strip_form_feeds`), then put back, with `restore_layout`, every line the fix
did not change exactly as it was, the form feeds of the lines it did change, and the
final newline.
"""

from __future__ import annotations

import difflib
import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_LEADING_FF = re.compile(r"^\f+")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at \\n, \\r\\n and \\r only (`str.splitlines` also
    splits at form feeds and other separators Python's tokenizer does not)."""
    return _LINE.findall(text)


def split_tail(text: str) -> tuple[str, str]:
    """`text` as its code and the blank lines after it (spaces, tabs and form feeds only),
    which LibCST may print back shortened and no fix ever changes."""
    lines = split_lines(text)
    end = len(lines)
    while end and not lines[end - 1].strip(" \t\f\r\n"):
        end -= 1
    return "".join(lines[:end]), "".join(lines[end:])


def strip_form_feeds(text: str) -> str:
    """`text` without the form feeds that start its lines (what Python's tokenizer ignores
    there too); every line stays a line, so line numbers do not move."""
    if "\f" not in text:
        return text
    return "".join(_without_form_feeds(line) for line in split_lines(text))


def _without_form_feeds(line: str) -> str:
    """A blank line's form feeds become spaces (removed, `\f\n` after a bare CR would
    join it into one CRLF line ending); a code line's go."""
    feeds = _LEADING_FF.match(line)
    if feeds is None:
        return line
    rest = line[feeds.end() :]
    return " " * feeds.end() + rest if not rest.strip(" \t\r\n") else rest


def restore_layout(original: str, given: str, new: str, *, libcst_drops_final_cr: bool) -> str:
    """`new` (LibCST's output for `given`, `original` with `strip_form_feeds` applied) with
    `original`'s form feeds and final newline put back. `libcst_drops_final_cr`: LibCST
    printed `given` back without its last bare CR (see `drops_final_cr`)."""
    if libcst_drops_final_cr and not new.endswith("\r\n"):
        new += "\r"
    if given == original:
        return new
    before, stripped, after = split_lines(original), split_lines(given), split_lines(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, stripped, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(before[i1:i2])
            continue
        for offset, line in enumerate(after[j1:j2]):
            if tag == "replace" and i1 + offset < i2:  # the changed line keeps its form feeds
                feeds = _LEADING_FF.match(before[i1 + offset])
                if feeds and not line.startswith("\f"):
                    line = feeds.group(0) + line
            out.append(line)
    out.extend(before[len(stripped) :])  # a last line of nothing but form feeds
    return "".join(out)


def drops_final_cr(given: str, printed: str) -> bool:
    """Whether LibCST printed `given` back as `printed` without its final bare CR."""
    return given.endswith("\r") and printed == given[:-1]
