"""`check` options that shape the output: --show-ok, --select / --ignore, --statistics,
--quiet, --exit-zero, --jobs, and --help naming every option."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from cli_helpers import invoke, spawn, write

from loopsafe.cli import check

# One site for each of LS100 (ok), LS101, LS103, LS104, LS201, LS202 and LS203.
MIXED = {
    # On 3.14+ the no-loop get_event_loop() is LS402 (fix); this project targets 3.13.
    "pyproject.toml": '[tool.loopsafe]\ntarget-version = "py313"\n',
    "pkg/__init__.py": "",
    "pkg/mod.py": """
        import asyncio


        async def coro():
            asyncio.run(work())
            return asyncio.get_event_loop()


        def helper():
            loop = asyncio.new_event_loop()
            return loop.run_until_complete(work())


        async def route():
            return helper()


        def wrapper():
            return asyncio.run(work())


        def legacy():
            return asyncio.get_event_loop()


        if __name__ == "__main__":
            asyncio.run(work())
        """,
}
ALL_CODES = ["LS100", "LS101", "LS103", "LS104", "LS201", "LS202", "LS203"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("options"), MIXED)


def test_the_project_has_every_expected_site(mixed: Path) -> None:
    findings = invoke(["check", "--format", "json"], mixed).findings()
    assert sorted(f["code"] for f in findings) == ALL_CODES


def test_text_hides_ok_sites_unless_show_ok(mixed: Path) -> None:
    hidden = invoke(["check"], mixed)
    shown = invoke(["check", "--show-ok"], mixed)
    assert sorted(hidden.codes()) == [c for c in ALL_CODES if c != "LS100"]
    assert sorted(shown.codes()) == ALL_CODES
    ok_line = next(line for line in shown.stdout.splitlines() if " LS100 " in line)
    assert ok_line.startswith("pkg/mod.py:27:5: LS100 ") and ok_line.endswith("[entrypoint]")
    assert "1 accepted (hidden; --show-ok to list)" in hidden.stdout
    assert hidden.code == shown.code == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "LS1"], ["LS100", "LS101", "LS103", "LS104"]),
        (["--select", "LS2"], ["LS201", "LS202", "LS203"]),
        (["--ignore", "LS101"], ["LS100", "LS103", "LS104", "LS201", "LS202", "LS203"]),
        (["--select", "LS101,LS201"], ["LS101", "LS201"]),
        (["--select", "LS101", "--select", "LS201"], ["LS101", "LS201"]),
        (["--select", "ls101, ls201"], ["LS101", "LS201"]),
        (["--select", "LS2", "--ignore", "LS20"], []),
        (["--select", "ALL", "--ignore", "LS1,LS202"], ["LS201", "LS203"]),
    ],
    ids=" ".join,
)
def test_select_and_ignore_filter_every_format(
    mixed: Path, args: list[str], expected: list[str]
) -> None:
    findings = invoke(["check", "--format", "json", *args], mixed).findings()
    assert sorted(f["code"] for f in findings) == expected
    text = invoke(["check", "--show-ok", *args], mixed)
    assert sorted(text.codes()) == expected
    assert text.code == (1 if set(expected) - {"LS100"} else 0)


def test_statistics_counts_per_rule(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": """
                import asyncio


                async def one():
                    asyncio.run(x())
                    asyncio.run(y())
                    return asyncio.get_event_loop()


                async def two():
                    asyncio.run(z())
                """,
            "b.py": "import asyncio\n\n\ndef f():\n    return asyncio.get_event_loop()\n",
        },
    )
    run = invoke(["check", "--statistics"], tmp_path)
    rows = re.findall(r"^\s*(\d+)\s+(LS\d{3})\s+(\w+)\s+([a-z0-9-]+)$", run.stdout, re.M)
    assert rows == [
        ("3", "LS101", "fix", "asyncio-run-in-coroutine"),
        ("1", "LS201", "fix", "get-event-loop-in-coroutine"),
        ("1", "LS402", "fix", "get-event-loop-without-loop"),
    ]
    assert run.codes() == []  # counts instead of the listing
    assert "Found 5 to fix." in run.stdout
    assert run.code == 1


def test_statistics_match_the_json_counts(mixed: Path) -> None:
    run = invoke(["check", "--statistics", "--show-ok"], mixed)
    rows = dict(
        (code, int(n)) for n, code in re.findall(r"^\s*(\d+)\s+(LS\d{3})\s", run.stdout, re.M)
    )
    findings = invoke(["check", "--format", "json"], mixed).findings()
    assert rows == dict(Counter(f["code"] for f in findings))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_quiet_prints_nothing_and_keeps_the_exit_code(mixed: Path, fmt: str) -> None:
    run = invoke(["check", "--quiet", "--format", fmt], mixed)
    assert (run.code, run.stdout, run.stderr) == (1, "", "")


def test_quiet_on_a_clean_tree_exits_0(tmp_path: Path) -> None:
    write(
        tmp_path, {"ok.py": "import asyncio\n\nif __name__ == '__main__':\n    asyncio.run(m())\n"}
    )
    run = invoke(["check", "-q"], tmp_path)
    assert (run.code, run.stdout, run.stderr) == (0, "", "")


def test_quiet_with_exit_zero(mixed: Path) -> None:
    run = invoke(["check", "-q", "--exit-zero"], mixed)
    assert (run.code, run.stdout, run.stderr) == (0, "", "")


def test_jobs_do_not_change_the_result(mixed: Path) -> None:
    one = invoke(["check", "--format", "json", "--no-cache", "--jobs", "1"], mixed)
    two = invoke(["check", "--format", "json", "--no-cache", "-j", "2"], mixed)
    assert one.stdout == two.stdout and one.code == two.code == 1


def test_text_without_tty_has_no_colour(mixed: Path) -> None:
    assert "\x1b[" not in invoke(["check", "--show-ok"], mixed).stdout


# The options SPEC says every analysing command takes, plus check's own.
SPEC_OPTIONS = [
    "--format",
    "--select",
    "--ignore",
    "--exclude",
    "--show-ok",
    "--jobs",
    "--no-cache",
    "--exit-zero",
    "--quiet",
    "--statistics",
    "--config",
    "--verbose",
]


def test_check_help_mentions_every_option(tmp_path: Path) -> None:
    run = spawn(["check", "--help"], tmp_path)
    assert run.code == 0 and run.stderr == ""
    declared = {opt for param in check.params for opt in param.opts if opt.startswith("-")}
    assert set(SPEC_OPTIONS) <= declared
    for option in sorted(declared):
        assert re.search(rf"(^|[\s,]){re.escape(option)}\b", run.stdout, re.M), option
    for fmt in ("text", "json", "sarif", "github"):
        assert fmt in run.stdout
    # -h is --help (the program name in the usage line and the wrapping differ in-process)
    short = invoke(["check", "-h"], tmp_path).stdout.split("\n", 1)[1]
    assert short.split() == run.stdout.split("\n", 1)[1].split()
