"""How results are shown: `--output-format full|concise`, `--output-file`, `--color` with
NO_COLOR / FORCE_COLOR / TERM=dumb, and `--statistics --format json`."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cli_helpers import FINDING_LINE, LS101_MODULE, invoke, spawn, write

from loopsafe.rules.registry import get_rule

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STATISTICS_SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "loopsafe"
    / "output"
    / "schema"
    / "loopsafe-statistics.schema.json"
)

# LS101 (safe fix, async-context), LS103 with a call path, LS201, and an accepted LS100.
PROJECT = {
    "app.py": """
        import asyncio


        async def fetch():
            return 1


        async def handler():
            value = asyncio.run(fetch())
            loop = asyncio.get_event_loop()
            return value, loop, helper()


        def helper():
            return asyncio.run(fetch())


        if __name__ == "__main__":
            asyncio.run(fetch())
    """,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, PROJECT)


def test_concise_is_one_line_per_finding_with_the_rules_summary(project: Path) -> None:
    run = invoke(["check", "--output-format", "concise", "--no-cache"], project)
    assert run.code == 1
    listed = [line for line in run.stdout.splitlines() if FINDING_LINE.match(line)]
    findings = [
        f
        for f in invoke(["check", "--format", "json", "--no-cache"], project).findings()
        if f["action"] != "ok"
    ]
    assert len(listed) == len(findings) == 3
    # Nothing between the findings: no snippet, no call path; then the summary.
    assert run.stdout.splitlines()[: len(listed)] == listed
    for line, finding in zip(listed, findings, strict=True):
        rule = get_rule(finding["code"])
        assert rule is not None
        marker = "[*] " if finding["fix"]["safety"] == "safe" else ""
        assert line == (
            f"{finding['path']}:{finding['line']}:{finding['col']}: {finding['code']} "
            f"{marker}{rule.summary}"
        )
        assert len(line) < len(finding["message"]) + 20


def test_full_is_the_default_with_message_call_path_and_snippet(project: Path) -> None:
    run = invoke(["check", "--no-cache"], project)
    assert run.stdout == invoke(["check", "--output-format", "full", "--no-cache"], project).stdout
    lines = run.stdout.splitlines()
    findings = {
        (f["line"], f["code"]): f
        for f in invoke(["check", "--format", "json", "--no-cache"], project).findings()
    }
    ls101 = findings[(9, "LS101")]
    header = lines.index(f"app.py:9:13: LS101 [*] {ls101['message']} [{ls101['category']}]")
    # ruff's full shape: a gutter, two lines either side, a marker under the call.
    assert lines[header + 1 : header + 10] == [
        "   |",
        " 7 |",
        " 8 | async def handler():",
        " 9 |     value = asyncio.run(fetch())",
        "   |             ^^^^^^^^^^^^^^^^^^^^ LS101",
        "10 |     loop = asyncio.get_event_loop()",
        "11 |     return value, loop, helper()",
        "   |",
        "",
    ]
    ls103 = findings[(15, "LS103")]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("app.py:15:12: LS103 "))
    assert lines[at + 1] == "  via " + " -> ".join(ls103["call_path"])
    assert lines[at + 2] == "   |"
    assert "15 |     return asyncio.run(fetch())" in lines[at + 3 : at + 7]


def test_bad_output_format_is_a_usage_error(project: Path) -> None:
    spawn(["check", "--output-format", "short"], project).assert_one_line_error(
        "--output-format", "short"
    )


def test_fix_reports_what_is_left_in_the_chosen_style(project: Path) -> None:
    run = invoke(["fix", "--output-format", "concise", "--no-cache"], project)
    assert run.stdout.startswith("Fixed 2 finding(s) in 1 file(s)")
    left = [line for line in run.stdout.splitlines() if FINDING_LINE.match(line)]
    assert [FINDING_LINE.match(line)["code"] for line in left] == ["LS103"]  # type: ignore[index]
    assert "   |" not in run.stdout


# --output-file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "--format", "json"],
        ["check", "--format", "sarif"],
        ["check", "--statistics", "--format", "json"],
        ["check", "--diff"],
    ],
    ids=["text", "json", "sarif", "statistics", "diff"],
)
def test_output_file_gets_what_stdout_would(project: Path, args: list[str]) -> None:
    plain = spawn([*args, "--no-cache"], project)
    to_file = spawn([*args, "--no-cache", "--output-file", "out.txt"], project)
    assert to_file.code == plain.code == 1
    assert to_file.stdout == ""
    assert to_file.stderr == plain.stderr
    assert (project / "out.txt").read_text(encoding="utf-8") == plain.stdout
    assert [p.name for p in project.iterdir() if p.name.endswith(".tmp")] == []


def test_output_file_is_never_coloured_unless_always(project: Path) -> None:
    env = {**os.environ, "FORCE_COLOR": "1"}
    env.pop("NO_COLOR", None)
    out = project / "out.txt"
    proc = _run_cli(["check", "--no-cache", "-o", str(out)], project, env)
    assert proc.returncode == 1
    assert "\x1b[" not in out.read_text(encoding="utf-8")
    proc = _run_cli(["check", "--no-cache", "-o", str(out), "--color", "always"], project, env)
    assert "\x1b[" in out.read_text(encoding="utf-8")


def test_output_file_after_fix_holds_the_summary_and_what_is_left(project: Path) -> None:
    run = spawn(["fix", "--no-cache", "--output-file", "left.txt"], project)
    assert run.code == 1 and run.stdout == ""
    text = (project / "left.txt").read_text(encoding="utf-8")
    assert text.startswith("Fixed 2 finding(s) in 1 file(s)")
    assert "LS103" in text and "await fetch()" in (project / "app.py").read_text()


def test_output_file_keeps_the_old_one_when_the_run_fails(project: Path) -> None:
    out = project / "out.txt"
    out.write_text("previous results\n", encoding="utf-8")
    run = spawn(["check", "--select", "LS999", "--output-file", "out.txt"], project)
    run.assert_one_line_error("LS999")
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert [p.name for p in project.iterdir() if p.name.endswith(".tmp")] == []


def test_output_file_in_a_missing_directory_fails_before_any_work(project: Path) -> None:
    run = spawn(["check", "--output-file", "nowhere/out.txt"], project)
    run.assert_one_line_error("--output-file", "nowhere")
    assert not (project / ".loopsafe_cache").exists()  # nothing was analysed


def test_output_file_that_cannot_be_written_is_one_line(project: Path) -> None:
    locked = project / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # root writes anywhere: /proc then stands for a directory nobody can create files in
        where = "locked/out.txt" if not os.access(locked, os.W_OK) else "/proc/out.txt"
        if where.startswith("/proc") and not Path("/proc/self").exists():
            pytest.skip("no directory this user cannot write to")
        run = spawn(["check", "--no-cache", "-o", where], project)
        run.assert_one_line_error(where, "cannot write")
    finally:
        locked.chmod(0o700)


# --color ---------------------------------------------------------------------------------


def _run_cli(
    args: list[str], cwd: Path, env: dict[str, str], *, tty: bool = False
) -> subprocess.CompletedProcess[str]:
    """`python -m loopsafe ARGS` with stdout a pipe, or a real pseudo-terminal."""
    env = {k: v for k, v in env.items() if not k.startswith("PYTHON")}
    if not tty:
        return subprocess.run(
            [sys.executable, "-m", "loopsafe", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "loopsafe", *args],
            cwd=cwd,
            env=env,
            stdout=slave,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
    out = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err.decode())


# (environment, --color, stdout is a terminal) -> coloured?
COLOR_MATRIX = [
    ({}, "auto", False, False),
    ({}, "auto", True, True),
    ({"NO_COLOR": "1"}, "auto", True, False),
    ({"NO_COLOR": ""}, "auto", True, True),  # no-color.org: only a non-empty value counts
    ({"FORCE_COLOR": "1"}, "auto", False, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "auto", False, False),
    ({"TERM": "dumb"}, "auto", True, False),
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, "auto", False, True),
    ({"NO_COLOR": "1"}, "always", False, True),
    ({"FORCE_COLOR": "1"}, "never", True, False),
    ({}, "never", True, False),
]


@pytest.mark.parametrize(("extra", "choice", "tty", "colored"), COLOR_MATRIX)
def test_color_matrix_for_check(
    tmp_path: Path, extra: dict[str, str], choice: str, tty: bool, colored: bool
) -> None:
    write(tmp_path, {"app.py": LS101_MODULE})
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update({"TERM": "xterm-256color", **extra})
    proc = _run_cli(["check", "--no-cache", "--color", choice], tmp_path, env, tty=tty)
    assert proc.returncode == 1, proc.stderr
    assert ("\x1b[" in proc.stdout) is colored, proc.stdout
    assert "LS101" in ANSI.sub("", proc.stdout)
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("extra", "choice", "tty", "colored"), COLOR_MATRIX[:8])
def test_color_matrix_for_tests(
    tmp_path: Path, extra: dict[str, str], choice: str, tty: bool, colored: bool
) -> None:
    write(tmp_path, {"tests/test_a.py": "def test_a():\n    assert 1 + 1 == 2\n"})
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update({"TERM": "xterm-256color", **extra})
    proc = _run_cli(["tests", "--color", choice], tmp_path, env, tty=tty)
    assert proc.returncode == 0, proc.stderr
    assert ("\x1b[" in proc.stdout) is colored, proc.stdout
    assert "unit" in ANSI.sub("", proc.stdout)


def test_help_is_never_coloured(tmp_path: Path) -> None:
    env = {**os.environ, "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    for command in ("check", "fix", "tests", "report", "rule"):
        proc = _run_cli([command, "--help"], tmp_path, env, tty=True)
        assert proc.returncode == 0
        assert "\x1b[" not in proc.stdout, command


# --statistics ----------------------------------------------------------------------------


def test_statistics_in_json_follow_the_schema_and_the_findings(project: Path) -> None:
    import jsonschema

    run = spawn(["check", "--statistics", "--format", "json", "--no-cache"], project)
    assert run.code == 1
    data = json.loads(run.stdout)
    schema = json.loads(STATISTICS_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(data)
    findings = spawn(["check", "--format", "json", "--no-cache"], project).findings()
    assert data["counts"] == dict(Counter(f["code"] for f in findings))
    assert data["total"] == len(findings)
    assert list(data["counts"].values()) == sorted(data["counts"].values(), reverse=True)
    for code, row in data["codes"].items():
        mine = [f for f in findings if f["code"] == code]
        assert row["rule"] == mine[0]["rule"]
        assert row["actions"] == dict(Counter(f["action"] for f in mine))
        assert row["safe_fixes"] == sum(
            f["fix"]["safety"] == "safe" and f["action"] != "ok" for f in mine
        )


def test_statistics_in_json_count_unparsable_files(tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": "import asyncio\ndef (:\n", "app.py": LS101_MODULE})
    data = json.loads(invoke(["check", "--statistics", "--format", "json"], tmp_path).stdout)
    assert data["counts"] == {"LS000": 1, "LS101": 1}
    assert data["codes"]["LS000"]["rule"] == "parse-error"


def test_output_format_from_the_configuration(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.loopsafe]\noutput-format = "concise"\n')
    concise = invoke(["check", "--no-cache"], project)
    assert "   |" not in concise.stdout and len(concise.codes()) == 3
    full = invoke(["check", "--no-cache", "--output-format", "full"], project)  # the flag wins
    assert "   |" in full.stdout
    (project / "pyproject.toml").write_text('[tool.loopsafe]\noutput-format = "grouped"\n')
    run = spawn(["check"], project)
    run.assert_one_line_error("output-format", "full, concise")


def test_the_styles_are_named_alike_everywhere() -> None:
    from loopsafe.discover import config
    from loopsafe.output import OUTPUT_FORMATS

    assert config.OUTPUT_FORMATS == OUTPUT_FORMATS


def test_quiet_silences_the_terminal_not_the_output_file(project: Path) -> None:
    plain = spawn(["check", "--no-cache"], project)
    quiet = spawn(["check", "--no-cache", "-q", "-o", "out.txt"], project)
    assert quiet.code == 1 and quiet.stdout == "" and quiet.stderr == ""
    assert (project / "out.txt").read_text(encoding="utf-8") == plain.stdout
    run = spawn(["tests", ".", "-q", "-o", "tests.txt"], project)
    assert run.stdout == "" and "No test files found." in (project / "tests.txt").read_text()


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_statistics_in_a_format_without_a_summary_is_a_usage_error(project: Path, fmt: str) -> None:
    run = spawn(["check", "--statistics", "--format", fmt], project)
    run.assert_one_line_error("--statistics", fmt)


def test_full_shows_the_line_that_failed_to_parse(tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": "import asyncio\n\n\ndef f(:\n    pass\n"})
    lines = invoke(["check", "--no-cache"], tmp_path).stdout.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("bad.py:4:1: LS000 "))
    assert lines[at + 1 : at + 6] == ["  |", "2 |", "3 |", "4 | def f(:", "  | ^^^^^^^ LS000"]
    concise = invoke(["check", "--no-cache", "--output-format", "concise"], tmp_path).stdout
    assert [ln for ln in concise.splitlines() if ln.startswith("bad.py")] == [lines[at]]
    assert "  |" not in concise


def test_each_rules_summary_is_read_from_its_module_alone() -> None:
    from loopsafe.rules.registry import all_rules, rule_summary

    for rule in all_rules():
        assert rule_summary(rule.code) == rule.summary
        assert rule_summary(rule.code.lower()) == rule.summary
    assert rule_summary("LS999") is None
