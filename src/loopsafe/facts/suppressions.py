"""`# loopsafe: ignore[CODE]` and `# noqa: CODE` comments: which codes each line silences."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
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
    flake8-style blanket or foreign-code noqa comments never hide a loop hazard."""
    out: dict[int, tuple[str, ...]] = {}
    if not _MAYBE_SUPPRESSED.search(text):
        return out
    for number, comment in _comments(text):
        for match in _SUPPRESS.finditer(comment):
            if match.group("noqa") is not None:
                codes = tuple(c.upper() for c in re.split(r"[\s,]+", match.group("noqa")) if c)
                codes = tuple(c for c in codes if c.startswith("LS"))
                if not codes:
                    continue  # other tools' codes only
            else:
                raw = match.group("codes") or ""
                codes = tuple(c.upper() for c in re.split(r"[\s,]+", raw) if c) or ("",)
            out[number] = out.get(number, ()) + codes
    return out


def _comments(text: str) -> list[tuple[int, str]]:
    """(line, comment text) of every comment that might be a suppression."""
    return [(number, comment) for number, _, comment in _located_comments(text)]


def _located_comments(text: str) -> list[tuple[int, int, str]]:
    """(line, 0-based column, comment text) of every comment that might be a suppression."""
    try:
        return [
            (token.start[0], token.start[1], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT and _MAYBE_SUPPRESSED.search(token.string)
        ]
    except (tokenize.TokenError, SyntaxError):
        # Syntax newer than the tokenizer: best effort, whole lines.
        return [
            (number, line.index("#"), line[line.index("#") :].rstrip("\r\n"))
            for number, line in enumerate(source_lines(text), start=1)
            if "#" in line and _MAYBE_SUPPRESSED.search(line)
        ]


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


def suppression_comments(text: str) -> list[SuppressionComment]:
    """Every comment that names a loopsafe code or is a blanket `# loopsafe: ignore`, for
    the unused-suppression check (LS001); same grammar as `parse_suppressions`."""
    out: list[SuppressionComment] = []
    if not _MAYBE_SUPPRESSED.search(text):
        return out
    for number, col, comment in _located_comments(text):
        codes = directive_codes(comment)
        if codes:
            out.append(SuppressionComment(number, col + 1, col + 1 + len(comment), comment, codes))
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
