"""Adopting loopsafe on a legacy codebase, end to end through the command line:
`check --add-noqa`, the baseline (`--write-baseline`, `--baseline FILE`) and unused
suppressions (LS001), on a project with findings of many rules in many files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke, load_check_schema, spawn, write

MODULES = 6


def _module(i: int) -> str:
    """One legacy module: LS104, LS201, LS101 (one behind another tool's noqa, one in a
    multi-line call, one beside a suppression of another code), LS402."""
    return f"""\
import asyncio


async def fetch_{i}(url):
    return url


def fetch_{i}_sync(url):
    return asyncio.run(fetch_{i}(url))


async def handler_{i}():
    loop = asyncio.get_event_loop()
    asyncio.run(fetch_{i}("a"))  # noqa: E501
    asyncio.run(
        fetch_{i}(
            "b"
        )
    )
    asyncio.get_event_loop(); asyncio.run(fetch_{i}("c"))  # loopsafe: ignore[LS201]
    return loop


def setup_{i}():
    return asyncio.get_event_loop()
"""


def _legacy(root: Path) -> Path:
    files = {f"legacy/pkg/mod{i}.py": _module(i) for i in range(MODULES)}
    files["legacy/pkg/__init__.py"] = ""
    files["legacy/pyproject.toml"] = '[project]\nname = "legacy"\nversion = "1"\n'
    return write(root, files) / "legacy"


def _actionable(project: Path, *args: str) -> list[dict[str, object]]:
    run = invoke(["check", "--format", "json", "--no-cache", *args], project)
    assert run.code in (0, 1), run.stderr
    return [f for f in run.findings() if f["action"] != "ok"]


def _tree(project: Path) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*.py")}


def test_add_noqa_suppresses_every_finding_in_place(tmp_path: Path) -> None:
    project = _legacy(tmp_path)
    before = _actionable(project)
    codes = {f["code"] for f in before}
    assert {"LS101", "LS104", "LS201", "LS402"} <= codes
    assert len(before) >= 6 * MODULES

    run = invoke(["check", "--add-noqa", "--no-cache"], project)
    lines = len({(f["path"], f["line"]) for f in before})
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == (
        f"Added suppressions for {len(before)} finding(s) on {lines} line(s) in {MODULES} file(s)."
    )

    check = invoke(["check", "--no-cache"], project)
    assert (check.code, check.codes()) == (0, [])
    assert check.stdout.startswith("All clear")
    text = (project / "pkg/mod0.py").read_text(encoding="utf-8")
    for compiled in project.rglob("*.py"):
        compile(compiled.read_text(encoding="utf-8"), str(compiled), "exec")
    # One comment per line, merged with what was there; multi-line calls on their first line.
    assert '    asyncio.run(fetch_0("a"))  # noqa: E501  # loopsafe: ignore[LS101]\n' in text
    assert "    asyncio.run(  # loopsafe: ignore[LS101]\n        fetch_0(\n" in text
    assert "  # loopsafe: ignore[LS201, LS101]\n" in text
    assert "    return asyncio.run(fetch_0(url))  # loopsafe: ignore[LS104]\n" in text
    assert text.count("# loopsafe") == 6

    # Nothing left to add: a second run changes nothing.
    tree = _tree(project)
    again = invoke(["check", "--add-noqa", "--no-cache"], project)
    assert again.code == 0 and again.stdout.startswith("Added suppressions for 0 finding(s)")
    assert _tree(project) == tree


def test_add_noqa_after_a_multi_line_string_and_where_no_comment_fits(tmp_path: Path) -> None:
    """A line that ends inside a string: the comment goes after the string, which covers
    the lines it spans (as in ruff). A backslash continuation cannot carry one: listed."""
    write(
        tmp_path,
        {
            "mod.py": '''\
                import asyncio


                async def handler():
                    asyncio.run(show("""
                    text
                    """))
                    value = asyncio.run(show()) + \\
                        1
                    return value
                ''',
        },
    )
    run = invoke(["check", "--add-noqa", "--no-cache"], tmp_path)
    assert run.code == 0
    assert run.stdout.splitlines() == [
        "Added suppressions for 1 finding(s) on 1 line(s) in 1 file(s).",
        "  skipped mod.py:8 LS101: the line cannot carry a comment",
    ]
    text = (tmp_path / "mod.py").read_text(encoding="utf-8")
    assert '    """))  # loopsafe: ignore[LS101]\n' in text
    assert invoke(["check", "--no-cache"], tmp_path).listed() == [("mod.py", 8, 13, "LS101")]
    # The comment is used: no LS001 for it. Once the call is gone, it is unused.
    (tmp_path / "mod.py").write_text(text.replace("asyncio.run(show(", "print(("), "utf-8")
    assert invoke(["check", "--no-cache"], tmp_path).listed() == [("mod.py", 7, 12, "LS001")]


def test_baseline_reports_only_new_findings_and_survives_line_moves(tmp_path: Path) -> None:
    project = _legacy(tmp_path)
    before = _actionable(project)

    wrote = invoke(["check", "--write-baseline", "--no-cache"], project)
    assert wrote.code == 0, wrote.stderr
    assert wrote.stdout == (
        f"Wrote {len(before)} finding(s) to the baseline loopsafe-baseline.json.\n"
    )
    data = json.loads((project / "loopsafe-baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    entries = data["findings"]
    assert sum(e["count"] for e in entries) == len(before)
    keys = [(e["path"], e["code"], e["function"], e["source"]) for e in entries]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {e["path"] for e in entries} == {f"pkg/mod{i}.py" for i in range(MODULES)}
    assert {"code": "LS104", "function": "pkg.mod0.fetch_0_sync"}.items() <= next(
        e for e in entries if e["code"] == "LS104" and e["path"] == "pkg/mod0.py"
    ).items()
    # Stable: the same findings give the same bytes.
    first = (project / "loopsafe-baseline.json").read_bytes()
    assert invoke(["check", "--write-baseline", "--no-cache"], project).code == 0
    assert (project / "loopsafe-baseline.json").read_bytes() == first

    clean = invoke(["check", "--baseline", "loopsafe-baseline.json", "--no-cache"], project)
    assert (clean.code, clean.codes()) == (0, [])
    assert clean.stderr == f"Baseline loopsafe-baseline.json: {len(before)} finding(s) hidden.\n"

    # Unrelated edits move every line; a new finding is the only one reported.
    for i in range(MODULES):
        path = project / f"pkg/mod{i}.py"
        path.write_text(
            '"""Docs."""\n\nimport os\n' + path.read_text(encoding="utf-8"), encoding="utf-8"
        )
    mod2 = project / "pkg/mod2.py"
    mod2.write_text(
        mod2.read_text(encoding="utf-8")
        + "\n\nasync def added():\n    return asyncio.get_event_loop()\n",
        encoding="utf-8",
    )
    new = invoke(["check", "--baseline", "loopsafe-baseline.json", "--no-cache"], project)
    assert new.code == 1
    assert new.listed() == [("pkg/mod2.py", 32, 12, "LS201")]

    # The same finding once more in the same function, on the same text: new, by count.
    mod3 = project / "pkg/mod3.py"
    text = mod3.read_text(encoding="utf-8")
    doubled = text.replace(
        "def setup_3():\n    return asyncio.get_event_loop()\n",
        "def setup_3():\n    asyncio.get_event_loop()\n    return asyncio.get_event_loop()\n",
    )
    assert doubled != text
    mod3.write_text(doubled, encoding="utf-8")
    twice = invoke(["check", "--baseline", "loopsafe-baseline.json", "--no-cache"], project)
    assert [(p, c) for p, _, _, c in twice.listed()] == [
        ("pkg/mod2.py", "LS201"),
        ("pkg/mod3.py", "LS402"),
    ]
    mod3.write_text(text, encoding="utf-8")

    # A finding fixed: its entry is stale, counted, and dropped when the file is rewritten.
    mod4 = project / "pkg/mod4.py"
    fixed = mod4.read_text(encoding="utf-8").replace(
        "    return asyncio.run(fetch_4(url))\n", "    return url\n"
    )
    mod4.write_text(fixed, encoding="utf-8")
    stale = invoke(["check", "--baseline", "loopsafe-baseline.json", "--no-cache"], project)
    assert stale.code == 1
    assert stale.stderr == (
        f"Baseline loopsafe-baseline.json: {len(before) - 1} finding(s) hidden; 1 entry no "
        "longer found (fixed or changed): shrink it with --write-baseline.\n"
    )
    rewritten = invoke(["check", "--write-baseline", "--no-cache"], project)
    assert rewritten.stdout == (
        f"Wrote {len(before)} finding(s) to the baseline loopsafe-baseline.json; "
        "1 no longer found were dropped.\n"
    )
    after = json.loads((project / "loopsafe-baseline.json").read_text(encoding="utf-8"))
    assert not any(e["path"] == "pkg/mod4.py" and e["code"] == "LS104" for e in after["findings"])
    final = invoke(["check", "--baseline", "loopsafe-baseline.json", "--no-cache"], project)
    assert (final.code, final.codes()) == (0, [])


def test_add_noqa_leaves_what_the_baseline_covers(tmp_path: Path) -> None:
    project = _legacy(tmp_path)
    assert invoke(["check", "--write-baseline", "--no-cache"], project).code == 0
    mod1 = project / "pkg/mod1.py"
    mod1.write_text(
        mod1.read_text(encoding="utf-8") + "\n\nasync def late():\n    asyncio.run(late())\n",
        encoding="utf-8",
    )
    tree = _tree(project)
    run = invoke(
        ["check", "--add-noqa", "--baseline", "loopsafe-baseline.json", "--no-cache"], project
    )
    assert run.stdout.startswith("Added suppressions for 1 finding(s) on 1 line(s) in 1 file(s).")
    changed = {path for path, data in _tree(project).items() if tree[path] != data}
    assert changed == {"pkg/mod1.py"}
    assert mod1.read_text(encoding="utf-8").endswith(
        "    asyncio.run(late())  # loopsafe: ignore[LS101]\n"
    )
    assert (
        invoke(["check", "--no-cache", "--baseline", "loopsafe-baseline.json"], project).code == 0
    )


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path: Path) -> None:
    project = _legacy(tmp_path)
    (project / "ci").mkdir()
    args = ["check", "--no-cache", "--baseline", "ci/base.json"]
    assert invoke([*args, "--write-baseline"], project).code == 0
    data = json.loads((project / "ci/base.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in data["findings"]} == {f"../pkg/mod{i}.py" for i in range(MODULES)}
    # Run from another directory, the same entries still match.
    other = invoke(["check", "--no-cache", "--baseline", "../ci/base.json", "."], project / "pkg")
    assert (other.code, other.codes()) == (0, [])


def test_baseline_set_in_pyproject(tmp_path: Path) -> None:
    project = _legacy(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8") + '[tool.loopsafe]\nbaseline = "ci/base.json"\n',
        encoding="utf-8",
    )
    (project / "ci").mkdir()
    wrote = invoke(["check", "--write-baseline", "--no-cache"], project / "pkg")
    assert wrote.stdout.startswith("Wrote ") and "../ci/base.json" in wrote.stdout
    assert (project / "ci/base.json").is_file()
    assert invoke(["check", "--no-cache"], project).code == 0
    # The command line wins.
    missing = invoke(["check", "--no-cache", "--baseline", "other.json"], project)
    assert missing.code == 2 and "other.json: no such baseline file" in missing.stderr


def test_unused_suppressions_are_reported_and_fixed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "mod.py": """\
                import asyncio
                import time


                async def handler():
                    asyncio.run(work())  # noqa: E501, LS101, LS201
                    return asyncio.get_running_loop()  # loopsafe: ignore[LS201]


                def pause():
                    time.sleep(1)  # noqa: E501, F401
                    # loopsafe: ignore[LS101]
                    time.sleep(2)  # loopsafe: ignore  # why
                """,
        },
    )
    run = invoke(["check", "--no-cache"], tmp_path)
    assert run.code == 1
    assert run.listed() == [
        ("mod.py", 6, 26, "LS001"),
        ("mod.py", 7, 40, "LS001"),
        ("mod.py", 12, 5, "LS001"),
        ("mod.py", 13, 20, "LS001"),
    ]
    assert "`LS201` hides no finding on this line" in run.stdout
    assert "`# loopsafe: ignore` hides no finding" in run.stdout
    # Off when only other codes are selected; a used suppression stays used whatever is selected.
    assert invoke(["check", "--no-cache", "--select", "LS1"], tmp_path).code == 0
    assert invoke(["check", "--no-cache", "--ignore", "LS001"], tmp_path).code == 0

    fixed = invoke(["check", "--fix", "--no-cache"], tmp_path)
    assert fixed.code == 0, fixed.stdout
    assert (tmp_path / "mod.py").read_text(encoding="utf-8") == (
        "import asyncio\n"
        "import time\n"
        "\n"
        "\n"
        "async def handler():\n"
        "    asyncio.run(work())  # noqa: E501, LS101\n"
        "    return asyncio.get_running_loop()\n"
        "\n"
        "\n"
        "def pause():\n"
        "    time.sleep(1)  # noqa: E501, F401\n"
        "    time.sleep(2)  # why\n"
    )
    assert invoke(["check", "--no-cache"], tmp_path).code == 0


def test_json_carries_unused_suppressions_and_validates(tmp_path: Path) -> None:
    project = _legacy(tmp_path)
    (project / "pkg/extra.py").write_text("x = 1  # noqa: LS104\n", encoding="utf-8")
    assert invoke(["check", "--write-baseline", "--no-cache"], project).code == 0
    (project / "pkg/late.py").write_text("y = 2  # loopsafe: ignore[LS201]\n", encoding="utf-8")
    run = spawn(
        ["check", "--format", "json", "--no-cache", "--baseline", "loopsafe-baseline.json"], project
    )
    assert run.code == 1 and "Traceback" not in run.stderr
    data = json.loads(run.stdout)
    load_check_schema().validate(data)
    actionable = [f for f in data["findings"] if f["action"] != "ok"]
    assert actionable == [
        {
            "path": "pkg/late.py",
            "line": 1,
            "col": 8,
            "end_line": 1,
            "end_col": 33,
            "code": "LS001",
            "rule": "unused-suppression",
            "category": "suppression",
            "action": "fix",
            "message": "Unused suppression: `LS201` hides no finding on this line; remove it.",
            "fix": {"safety": "safe", "replacement": ""},
            "function": "pkg.late",
            "call_path": [],
        }
    ]
    assert run.stderr.startswith("Baseline loopsafe-baseline.json: ")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such baseline file"),
        ("{not json", "invalid JSON"),
        ('{"version": 2, "findings": []}', "version 1 expected"),
        ('{"version": 1, "findings": [{"path": "a.py"}]}', "entry 1 needs"),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, fragment: str
) -> None:
    write(tmp_path, {"mod.py": "x = 1\n"})
    if content is not None:
        (tmp_path / "base.json").write_text(content, encoding="utf-8")
    spawn(["check", "--baseline", "base.json"], tmp_path).assert_one_line_error(
        "base.json", fragment
    )


def test_adoption_modes_do_not_combine(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": "x = 1\n"})
    spawn(["check", "--add-noqa", "--fix"], tmp_path).assert_one_line_error(
        "--fix and --add-noqa cannot be used together"
    )
    spawn(["check", "--write-baseline", "--diff"], tmp_path).assert_one_line_error(
        "--diff and --write-baseline"
    )
