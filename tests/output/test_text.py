from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import pytest

from loopsafe.model import Action, Category, Finding, Fix, FixSafety, ParseError, Result
from loopsafe.output import text
from loopsafe.output._common import plural

RUFF_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>LS\d{3}) ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def finding_lines(output: str) -> list[re.Match[str]]:
    return [m for line in output.splitlines() if (m := RUFF_LINE.match(line))]


def test_each_finding_in_ruff_shape_sorted(result: Result) -> None:
    out = text.render(result, show_ok=False)
    matches = finding_lines(out)
    shown = [f for f in result.findings if f.action is not Action.OK]
    assert len(matches) == len(shown) + len(result.parse_errors)
    keys = [(m["path"], int(m["line"]), int(m["col"]), m["code"]) for m in matches]
    assert keys == sorted(keys)
    expected = {f.sort_key() for f in shown} | {
        (e.path, e.line, 1, "LS000") for e in result.parse_errors
    }
    assert set(keys) == expected


def test_ok_hidden_unless_show_ok(result: Result) -> None:
    hidden = text.render(result, show_ok=False)
    shown = text.render(result, show_ok=True)
    assert "LS100" not in {m["code"] for m in finding_lines(hidden)}
    ok_count = sum(f.action is Action.OK for f in result.findings)
    assert [m["code"] for m in finding_lines(shown)].count("LS100") == ok_count
    assert f"{ok_count} accepted (hidden; --show-ok to list)" in hidden
    assert "hidden" not in shown.splitlines()[-2]


def test_message_fix_marker_and_category(result: Result) -> None:
    out = text.render(result, show_ok=False)
    safe = next(f for f in result.findings if f.fix.safety is FixSafety.SAFE)
    line = next(
        ln for ln in out.splitlines() if ln.startswith(f"{safe.path}:{safe.line}:{safe.col}: ")
    )
    assert line == (
        f"{safe.path}:{safe.line}:{safe.col}: {safe.code} [*] {safe.message}"
        f" [{safe.category.value}]"
    )


def test_call_path_on_following_indented_line(result: Result) -> None:
    lines = text.render(result, show_ok=False).splitlines()
    finding = next(f for f in result.findings if f.call_path)
    index = next(
        i for i, ln in enumerate(lines) if ln.startswith(f"{finding.path}:{finding.line}:")
    )
    assert lines[index + 1] == "  via " + " -> ".join(finding.call_path)


def test_parse_error_line(result: Result) -> None:
    out = text.render(result, show_ok=False)
    error = result.parse_errors[0]
    assert f"{error.path}:{error.line}:1: LS000 {error.message}" in out.splitlines()


def test_summary_counts(result: Result) -> None:
    summary = text.render(result, show_ok=False).splitlines()
    actions = Counter(f.action for f in result.findings)
    assert summary[-2] == (
        f"Found {actions[Action.FIX]} to fix, {actions[Action.REVIEW]} to review, "
        f"{actions[Action.OK]} accepted (hidden; --show-ok to list). "
        "1 file could not be parsed."
    )
    safe = sum(f.fix.safety is FixSafety.SAFE for f in result.findings)
    unsafe = sum(f.fix.safety is FixSafety.UNSAFE for f in result.findings)
    assert summary[-1] == (
        f"[*] {plural(safe, 'finding')} with a safe fix, {unsafe} more with an unsafe one."
    )


def test_all_clear(make: Callable[..., Finding]) -> None:
    assert (
        text.render(Result(files_scanned=4), show_ok=False)
        == "All clear: no event-loop hazards in 4 files."
    )
    ok = make(code="LS100", category=Category.THREAD, action=Action.OK, message="In a thread.")
    one = Result(files_scanned=1, findings=[ok])
    assert text.render(one, show_ok=False) == (
        "All clear: no event-loop hazards in 1 file (1 accepted site hidden; --show-ok to list)."
    )
    listed = text.render(one, show_ok=True).splitlines()
    assert RUFF_LINE.match(listed[0])
    assert listed[1] == "All clear: no event-loop hazards in 1 file (1 accepted site listed)."


def test_only_parse_errors() -> None:
    broken = Result(files_scanned=3, parse_errors=[ParseError("a.py", 0, "not UTF-8")])
    lines = text.render(broken, show_ok=False).splitlines()
    assert lines == [
        "a.py:1:1: LS000 not UTF-8",
        "No event-loop hazards found. 1 file could not be parsed.",
    ]


def test_colour_only_when_asked(result: Result) -> None:
    plain = text.render(result, show_ok=True)
    coloured = text.render(result, show_ok=True, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_colour_ignores_no_color_env(result: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI decides whether to colour (it honours NO_COLOR); once asked, rich must obey.
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[" in text.render(result, show_ok=False, color=True)


def test_rich_not_imported_without_colour() -> None:
    code = (
        "import sys\n"
        "from loopsafe.model import Result\n"
        "from loopsafe.output import render\n"
        "render('text', Result(files_scanned=1), show_ok=True)\n"
        "assert not any(m == 'rich' or m.startswith('rich.') for m in sys.modules), 'rich'\n"
        "render('text', Result(files_scanned=1), show_ok=True, color=True)\n"
        "assert 'rich' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_statistics_table(result: Result) -> None:
    out = text.render(result, show_ok=False, statistics=True)
    lines = out.splitlines()
    assert not finding_lines(out)
    rows = [ln.split() for ln in lines if re.match(r"^\s*\d+\s+LS\d{3}\s", ln)]
    expected = Counter(f.code for f in result.findings if f.action is not Action.OK)
    expected["LS000"] += len(result.parse_errors)
    assert {row[1]: int(row[0]) for row in rows} == dict(expected)
    by_code = {f.code: f for f in result.findings}
    for row in rows:
        if row[1] != "LS000":
            assert row[2:] == [by_code[row[1]].action.value, by_code[row[1]].rule]
    counts = [int(row[0]) for row in rows]
    assert counts == sorted(counts, reverse=True)
    assert lines[-2].startswith("Found ")


def test_statistics_with_show_ok_counts_ok(result: Result) -> None:
    out = text.render(result, show_ok=True, statistics=True)
    ok = sum(f.action is Action.OK for f in result.findings)
    row = next(ln.split() for ln in out.splitlines() if " LS100 " in f" {ln} ")
    assert row == [str(ok), "LS100", "ok", "loop-site-accepted"]


def test_unsafe_only_hint(make: Callable[..., Finding]) -> None:
    f = make(fix=Fix(FixSafety.UNSAFE))
    out = text.render(Result(files_scanned=1, findings=[f]), show_ok=False)
    assert out.splitlines()[-1] == "1 finding with an unsafe fix."
    assert "[*]" not in out


def test_multiline_message_stays_on_one_line(result: Result) -> None:
    out = text.render(result, show_ok=False)
    finding = next(f for f in result.findings if "\n" in f.message)
    line = next(ln for ln in out.splitlines() if ln.startswith(f"{finding.path}:"))
    assert line.endswith(" ".join(finding.message.split()) + f" [{finding.category.value}]")
