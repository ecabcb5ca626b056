from __future__ import annotations

import re

from loopsafe.model import Action, Result
from loopsafe.output import github, render

COMMAND = re.compile(r"^::(?P<cmd>error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")
COMMAND_FOR = {Action.FIX: "error", Action.REVIEW: "warning", Action.OK: "notice"}


def unescape(value: str) -> str:
    # The runner's decoding, in reverse order of encoding.
    for escaped, raw in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def parse(output: str) -> list[tuple[str, dict[str, str], str]]:
    commands = []
    for line in output.splitlines():
        match = COMMAND.match(line)
        assert match, line
        props = dict(item.split("=", 1) for item in match["props"].split(","))
        commands.append(
            (match["cmd"], {k: unescape(v) for k, v in props.items()}, unescape(match["msg"]))
        )
    return commands


def test_one_annotation_per_actionable_finding(result: Result) -> None:
    commands = parse(render("github", result, show_ok=False))
    actionable = [f for f in result.findings if f.actionable]
    assert len(commands) == len(actionable) + len(result.parse_errors)
    for finding in actionable:
        cmd, props, msg = next(
            c
            for c in commands
            if c[1]["file"] == finding.path
            and c[1]["line"] == str(finding.line)
            and c[1]["title"] == finding.code
        )
        assert cmd == COMMAND_FOR[finding.action]
        assert props == {
            "file": finding.path,
            "line": str(finding.line),
            "col": str(finding.col),
            "endLine": str(finding.end_line),
            "endColumn": str(finding.end_col),
            "title": finding.code,
        }
        assert msg.startswith(finding.message)


def test_ok_only_with_show_ok_as_notice(result: Result) -> None:
    ok = [f for f in result.findings if f.action is Action.OK]
    hidden = parse(render("github", result, show_ok=False))
    shown = parse(render("github", result, show_ok=True))
    assert all(cmd != "notice" for cmd, _, _ in hidden)
    assert [p["title"] for cmd, p, _ in shown if cmd == "notice"] == [f.code for f in ok]


def test_escaping(result: Result) -> None:
    out = render("github", result, show_ok=False)
    odd = next(f for f in result.findings if "," in f.path)
    line = next(ln for ln in out.splitlines() if "odd" in ln)
    assert "file=my dir/odd%2Cname.py," in line
    # In the message `:` and `,` stay; newlines and `%` are escaped.
    assert "patches asyncio:%0Areview it" in line
    assert "\n" not in line
    percent = next(ln for ln in out.splitlines() if "deprecated" in ln)
    assert "100%25 deprecated" in percent
    assert any(msg.startswith(odd.message) for _, _, msg in parse(out))


def test_escape_functions() -> None:
    assert github.escape_data("50% a:b,c\r\nd") == "50%25 a:b,c%0D%0Ad"
    assert github.escape_property("50% a:b,c\r\nd") == "50%25 a%3Ab%2Cc%0D%0Ad"
    assert github.escape_property("%3A") == "%253A"


def test_call_path_in_message(result: Result) -> None:
    finding = next(f for f in result.findings if f.call_path)
    (msg,) = [
        m
        for _, p, m in parse(render("github", result, show_ok=False))
        if p["title"] == finding.code
    ]
    assert msg.endswith("\nvia " + " -> ".join(finding.call_path))


def test_parse_errors_and_sorting(result: Result) -> None:
    commands = parse(render("github", result, show_ok=True))
    error = result.parse_errors[0]
    assert (
        "error",
        {"file": error.path, "line": str(error.line), "title": "LS000"},
        error.message,
    ) in commands
    keys = [(p["file"], int(p["line"]), int(p.get("col", 1)), p["title"]) for _, p, _ in commands]
    assert keys == sorted(keys)


def test_empty_result_prints_nothing() -> None:
    assert render("github", Result(files_scanned=3), show_ok=True) == ""
