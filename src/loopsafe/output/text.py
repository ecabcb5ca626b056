"""Human output in ruff's shape: `path:line:col: CODE message`, then a summary.

Two styles, as ruff's `--output-format`: `full` (the default, as in ruff since 0.5,
astral-sh/ruff#12010) gives
the whole message, the call path and the source lines around the site with a marker under
it; `concise` gives one line per finding with the rule's one-line summary, for grep,
editors and long CI logs. Colour is optional and done with `rich`, imported only when
colour is on, so plain output (pipes, CI logs) never pays for it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from loopsafe.model import Action, Finding, FixSafety, ParseError, Result
from loopsafe.output import OUTPUT_FORMATS
from loopsafe.output._common import count, plural, sorted_parse_errors, visible_findings
from loopsafe.output.snippet import Snippet, SourceLines

# A line is a list of (text, rich style) segments; the style is ignored without colour.
Segment = tuple[str, str]
Line = list[Segment]

_CODE_STYLE = {Action.FIX: "bold red", Action.REVIEW: "bold yellow", Action.OK: "bold green"}
_PATH = "bold"
_SEP = "cyan"
_DIM = "dim"


def render(
    result: Result,
    *,
    show_ok: bool,
    statistics: bool = False,
    color: bool = False,
    output_format: str = "full",
    cwd: Path | None = None,
) -> str:
    """`cwd`: where the findings' paths are relative to, to read the snippets from."""
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(f"unknown text style {output_format!r}")
    if statistics:
        lines = _statistics(result, show_ok)
    else:
        source = SourceLines(cwd) if output_format == "full" else None
        lines = _listing(result, show_ok, source)
    lines.extend(_summary(result, show_ok))
    return _to_ansi(lines) if color else "\n".join("".join(t for t, _ in line) for line in lines)


def _one_line(message: str) -> str:
    """One finding, one line: grep, editors and CI parsers rely on it."""
    return " ".join(message.split())


def _location(path: str, line: int, col: int) -> Line:
    return [
        (path, _PATH),
        (":", _SEP),
        (str(line), ""),
        (":", _SEP),
        (str(col), ""),
        (":", _SEP),
        (" ", ""),
    ]


def _finding_lines(finding: Finding, source: SourceLines | None) -> list[Line]:
    """`source`: the full style, reading snippets from it; None: the concise style."""
    line = _location(finding.path, finding.line, finding.col)
    line.append((finding.code, _CODE_STYLE[finding.action]))
    line.append((" ", ""))
    if finding.fix.safety is FixSafety.SAFE:
        # ruff marks findings that `--fix` resolves on its own with `[*]`.
        line.append(("[*] ", "cyan"))
    if source is None:
        line.append((short_message(finding), ""))
        return [line]
    line.append((_one_line(finding.message), ""))
    line.append((f" [{finding.category.value}]", _DIM))
    out = [line]
    if finding.call_path:
        out.append([("  via ", _DIM), (" -> ".join(finding.call_path), _DIM)])
    snippet = source.snippet(
        finding.path, finding.line, finding.col, finding.end_line, finding.end_col
    )
    if snippet is not None:
        out.extend(_snippet_lines(snippet, finding.code, _CODE_STYLE[finding.action]))
    return out


def short_message(finding: Finding) -> str:
    """The concise form: the rule's one-line summary (the long message says the same
    about this site, with its names, its Python versions and what to do)."""
    from loopsafe.rules.registry import rule_summary

    summary = rule_summary(finding.code)
    return _one_line(summary if summary is not None else finding.message)


def _snippet_lines(snippet: Snippet, code: str, style: str) -> list[Line]:
    """ruff's full shape: a gutter of line numbers, the lines, a marker under the site."""
    width = len(str(snippet.lines[-1][0]))
    gutter = " " * width + " |"
    out: list[Line] = [[(gutter, _SEP)]]
    for number, text in snippet.lines:
        out.append([(f"{number:>{width}} |", _SEP), ((" " + text).rstrip(), "")])
        if number == snippet.line:
            marker = " " * (snippet.start + 1) + "^" * snippet.width
            out.append([(gutter, _SEP), (marker, style), (" " + code, style)])
    out.append([(gutter, _SEP)])
    out.append([])
    return out


def _parse_error_lines(error: ParseError, source: SourceLines | None) -> list[Line]:
    """The message is short in both styles; `full` adds the line that failed to parse,
    marked from its first character to its end (a parse error has no column)."""
    line = _location(error.path, max(error.line, 1), 1)
    line.extend([(error.code, "bold red"), (" ", ""), (_one_line(error.message), "")])
    out = [line]
    lines = source.lines(error.path) if source is not None and error.line >= 1 else None
    if source is not None and lines is not None and error.line <= len(lines):
        text = lines[error.line - 1]
        start = len(text) - len(text.lstrip()) + 1
        snippet = source.snippet(error.path, error.line, start, error.line, len(text.rstrip()) + 1)
        if snippet is not None:
            out.extend(_snippet_lines(snippet, error.code, "bold red"))
    return out


def _listing(result: Result, show_ok: bool, source: SourceLines | None) -> list[Line]:
    # Parse errors and findings interleave in one path/line order, as ruff prints them.
    keyed: list[tuple[tuple[str, int, int, str], list[Line]]] = [
        (f.sort_key(), _finding_lines(f, source)) for f in visible_findings(result, show_ok)
    ]
    keyed.extend(
        ((e.path, max(e.line, 1), 1, e.code), _parse_error_lines(e, source))
        for e in sorted_parse_errors(result.parse_errors)
    )
    keyed.sort(key=lambda item: item[0])
    return [line for _, lines in keyed for line in lines]


def _statistics(result: Result, show_ok: bool) -> list[Line]:
    """One row per code, most frequent first, like `ruff --statistics`."""
    rows: Counter[tuple[str, str, str]] = Counter(
        (f.code, f.action.value, f.rule) for f in visible_findings(result, show_ok)
    )
    for error in result.parse_errors:
        rows[(error.code, Action.FIX.value, "parse-error")] += 1
    if not rows:
        return []
    ordered = sorted(rows.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(n)) for _, n in ordered)
    code_width = max(len(code) for (code, _, _), _ in ordered)
    action_width = max(len(action) for (_, action, _), _ in ordered)
    lines: list[Line] = []
    for (code, action, rule), n in ordered:
        lines.append(
            [
                (str(n).rjust(count_width), "bold"),
                ("  ", ""),
                (code.ljust(code_width), _CODE_STYLE[Action(action)]),
                ("  ", ""),
                (action.ljust(action_width), ""),
                ("  ", ""),
                (rule, ""),
            ]
        )
    return lines


def _summary(result: Result, show_ok: bool) -> list[Line]:
    c = count(result)
    accepted = ""
    if c.ok:
        accepted = plural(c.ok, "accepted site") + (" listed" if show_ok else " hidden")
        accepted += "" if show_ok else "; --show-ok to list"
    if c.actionable == 0:
        text = f"All clear: no event-loop hazards in {plural(result.files_scanned, 'file')}"
        text += f" ({accepted})." if accepted else "."
        return [[(text, "bold green")]]
    sentences = []
    if c.fix or c.review:
        parts = [f"{n} to {verb}" for n, verb in ((c.fix, "fix"), (c.review, "review")) if n]
        if c.ok:
            parts.append(f"{c.ok} accepted" + ("" if show_ok else " (hidden; --show-ok to list)"))
        sentences.append("Found " + ", ".join(parts) + ".")
    else:
        sentences.append("No event-loop hazards found" + (f" ({accepted})." if accepted else "."))
    if c.parse_errors:
        sentences.append(f"{plural(c.parse_errors, 'file')} could not be parsed.")
    style = "bold red" if c.fix or c.parse_errors else "bold yellow"
    lines: list[Line] = [[(" ".join(sentences), style)]]
    if c.safe_fixes or c.unsafe_fixes:
        lines.append([(_fix_hint(c.safe_fixes, c.unsafe_fixes), "")])
    return lines


def _fix_hint(safe: int, unsafe: int) -> str:
    # Says what the fixes are, not how to apply them: the `fix` field of `--format json`
    # carries each replacement.
    if safe:
        hint = f"[*] {plural(safe, 'finding')} with a safe fix"
        if unsafe:
            hint += f", {unsafe} more with an unsafe one"
        return hint + "."
    return f"{plural(unsafe, 'finding')} with an unsafe fix."


def _to_ansi(lines: list[Line]) -> str:
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    # Colour was asked for explicitly, so force it regardless of the terminal or NO_COLOR;
    # soft_wrap keeps one finding on one line however long it is.
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        no_color=False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        width=10_000,
    )
    for line in lines:
        console.print(Text.assemble(*line))
    text = buffer.getvalue()
    return text[:-1] if text.endswith("\n") else text
