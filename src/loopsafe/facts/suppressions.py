"""`# loopsafe: ignore[CODE]` and `# noqa: CODE` comments: which codes each line silences."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loopsafe.facts.nodes import source_lines

_SUPPRESS = re.compile(
    r"#\s*(?:noqa:\s*(?P<noqa>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*)"
    r"|loopsafe:\s*ignore(?:\[(?P<codes>[A-Z0-9,\s]*)\])?)",
    re.IGNORECASE,
)
# Only a comment shaped like a suppression is worth tokenizing the file for.
_MAYBE_SUPPRESSED = re.compile(r"#\s*(?:noqa\s*:|loopsafe\s*:)", re.IGNORECASE)


def parse_suppressions(text: str) -> dict[int, tuple[str, ...]]:
    """line -> codes suppressed there ("" = every code). Only real comments count: the
    tokenizer tells them apart from `#` inside strings. `# noqa` must name an LS code, so
    flake8-style blanket or foreign-code noqa comments never hide a loop hazard. As in
    ruff, a comment after a multi-line string also covers the lines the string spans (a
    line that ends inside a string cannot carry a comment of its own)."""
    out: dict[int, tuple[str, ...]] = {}
    if not _MAYBE_SUPPRESSED.search(text):
        return out
    comments, spans = _scan(text)
    for number, _, comment in comments:
        for match in _SUPPRESS.finditer(comment):
            if match.group("noqa") is not None:
                codes = tuple(c.upper() for c in re.split(r"[\s,]+", match.group("noqa")) if c)
                codes = tuple(c for c in codes if c.startswith("LS"))
                if not codes:
                    continue  # other tools' codes only
            else:
                raw = match.group("codes") or ""
                codes = tuple(c.upper() for c in re.split(r"[\s,]+", raw) if c) or ("",)
            for line in _covered(number, spans):
                out[line] = out.get(line, ()) + codes
    return out


def suppression_lines(text: str, lines: Iterable[int]) -> dict[int, int]:
    """For each line, the line whose comment suppresses findings there: itself, or the
    last line of the multi-line string it ends inside."""
    _, spans = _scan(text, comments=False)
    out: dict[int, int] = {}
    for line in lines:
        target = line
        while ends := [end for end, start in spans.items() if start <= target < end]:
            target = max(ends)
        out[line] = target
    return out


def _covered(line: int, spans: dict[int, int]) -> list[int]:
    """The lines a comment on `line` covers: its own, and those of the multi-line strings
    ending there (and of strings ending where those start)."""
    out = [line]
    while line in spans:
        start = spans[line]
        out.extend(range(start, line))
        line = start
    return out


_STRING_STARTS = {
    getattr(tokenize, n) for n in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, n)
}
_STRING_ENDS = {
    getattr(tokenize, n) for n in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, n)
}


def _scan(text: str, comments: bool = True) -> tuple[list[tuple[int, int, str]], dict[int, int]]:
    """(line, 0-based column, text) of every comment that might be a suppression, and the
    multi-line strings (last line -> first line)."""
    found: list[tuple[int, int, str]] = []
    spans: dict[int, int] = {}
    starts: list[int] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                if comments and _MAYBE_SUPPRESSED.search(token.string):
                    found.append((token.start[0], token.start[1], token.string))
            elif kind == tokenize.STRING and token.end[0] > token.start[0]:
                spans[token.end[0]] = min(token.start[0], spans.get(token.end[0], token.start[0]))
            elif kind in _STRING_STARTS:
                starts.append(token.start[0])
            elif kind in _STRING_ENDS and starts:
                start = starts.pop()
                if token.end[0] > start:
                    spans[token.end[0]] = min(start, spans.get(token.end[0], start))
    except (tokenize.TokenError, SyntaxError):
        # Syntax newer than the tokenizer: best effort, whole lines.
        found = [
            (number, line.index("#"), line[line.index("#") :].rstrip("\r\n"))
            for number, line in enumerate(source_lines(text), start=1)
            if comments and "#" in line and _MAYBE_SUPPRESSED.search(line)
        ]
        spans = {}
    return found, spans


BLANKET = "*"  # in code lists below: the blanket `# loopsafe: ignore`


@dataclass(frozen=True)
class SuppressionComment:
    """One comment that suppresses something: where it is, and the LS codes it names
    (`BLANKET` for `# loopsafe: ignore` without codes), in the order written."""

    line: int
    col: int  # 1-based column of the `#`
    end_col: int  # exclusive
    text: str
    codes: tuple[str, ...]
    lines: tuple[int, ...] = ()  # the lines it covers (its own, and a string's before it)


def suppression_comments(text: str) -> list[SuppressionComment]:
    """Every comment that names a loopsafe code or is a blanket `# loopsafe: ignore`, for
    the unused-suppression check (LS001); same grammar as `parse_suppressions`."""
    out: list[SuppressionComment] = []
    if not _MAYBE_SUPPRESSED.search(text):
        return out
    comments, spans = _scan(text)
    for number, col, comment in comments:
        codes = directive_codes(comment)
        if codes:
            end = col + 1 + len(comment)
            lines = tuple(_covered(number, spans))
            out.append(SuppressionComment(number, col + 1, end, comment, codes, lines))
    return out


def directive_codes(comment: str) -> tuple[str, ...]:
    """The LS codes a comment's suppression directives name (`BLANKET` for a bare
    `# loopsafe: ignore`), each once, in order."""
    codes: list[str] = []
    for match in _SUPPRESS.finditer(comment):
        if match.group("noqa") is not None:
            found = [c.upper() for c in re.split(r"[\s,]+", match.group("noqa")) if c]
            found = [c for c in found if c.startswith("LS")]
        else:
            raw = match.group("codes") or ""
            found = [c.upper() for c in re.split(r"[\s,]+", raw) if c] or [BLANKET]
        codes.extend(c for c in found if c not in codes)
    return tuple(codes)


def with_codes(comment: str, codes: Sequence[str]) -> str:
    """The comment (or "" for none) that also suppresses `codes`: added to its
    `# loopsafe: ignore[...]`, or to a `# noqa:` that already names an LS code (that
    project tells its other linters about LS codes); else a `# loopsafe: ignore[...]`
    directive is appended, since other linters flag unknown codes in `# noqa`."""
    have = directive_codes(comment)
    if BLANKET in have:
        return comment
    new = [c for c in codes if not any(c.startswith(h) for h in have)]
    if not new:
        return comment
    for match in _SUPPRESS.finditer(comment):
        if match.group("noqa") is None and match.group("codes") is not None:
            start, end = match.span("codes")
            listed = [c for c in re.split(r"[\s,]+", match.group("codes")) if c]
            return comment[:start] + ", ".join([*listed, *new]) + comment[end:]
    for match in _SUPPRESS.finditer(comment):
        noqa = match.group("noqa")
        if noqa is not None and any(c.upper().startswith("LS") for c in re.split(r"[\s,]+", noqa)):
            end = match.end("noqa")
            return comment[:end] + ", " + ", ".join(new) + comment[end:]
    directive = f"# loopsafe: ignore[{', '.join(new)}]"
    return f"{comment.rstrip()}  {directive}" if comment.strip() else directive


def without_codes(comment: str, codes: Sequence[str]) -> str:
    """The comment with `codes` (`BLANKET`: a bare `# loopsafe: ignore`) no longer
    suppressed; a directive left naming no code goes, the rest of the comment stays
    ("" when nothing is left). A `# noqa:` never loses its other tools' codes, and never
    becomes a bare `# noqa` (which would silence every tool)."""
    drop = {c.upper() for c in codes}
    for match in reversed(list(_SUPPRESS.finditer(comment))):
        noqa = match.group("noqa")
        if noqa is not None:
            listed = [c for c in re.split(r"[\s,]+", noqa) if c]
            kept = [c for c in listed if c.upper() not in drop]
            if kept == listed:
                continue
            if kept:
                start, end = match.span("noqa")
                comment = comment[:start] + ", ".join(kept) + comment[end:]
                continue
        else:
            raw = match.group("codes")
            if raw is None:
                if BLANKET not in drop:
                    continue
            else:
                listed = [c for c in re.split(r"[\s,]+", raw) if c]
                kept = [c for c in listed if c.upper() not in drop]
                if kept == listed:
                    continue
                if kept:
                    start, end = match.span("codes")
                    comment = comment[:start] + ", ".join(kept) + comment[end:]
                    continue
        comment = _cut(comment, *match.span())
    return comment


def _cut(comment: str, start: int, end: int) -> str:
    """`comment` without the directive at [start, end), joined as comments are."""
    before, after = comment[:start].rstrip(), comment[end:].strip()
    if before and after:
        if not after.startswith("#"):
            after = "# " + after.lstrip(",;: ")
        return f"{before}  {after}"
    if before.strip() == "#":
        return ""
    if after and not after.startswith("#"):
        after = "# " + after.lstrip(",;: ")
    return before or after
