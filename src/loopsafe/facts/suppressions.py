"""`# loopsafe: ignore[CODE]` and `# noqa: CODE` comments: which codes each line silences."""

from __future__ import annotations

import io
import re
import tokenize

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
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT and _MAYBE_SUPPRESSED.search(token.string)
        ]
    except (tokenize.TokenError, SyntaxError):
        # Syntax newer than the tokenizer: best effort, whole lines.
        return [
            (number, line[line.index("#") :])
            for number, line in enumerate(source_lines(text), start=1)
            if "#" in line and _MAYBE_SUPPRESSED.search(line)
        ]
