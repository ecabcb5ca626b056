"""`--format json|sarif|github|text` on one small project with a site in every common
category: the JSON contract of SPEC.md (schema, every site, paths, positions, call paths,
function names), SARIF 2.1.0 validity, GitHub annotations."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Run, invoke, load_check_schema, load_sarif_schema, write

SITE_CALLS = frozenset(
    {"asyncio.run", "asyncio.get_event_loop", "asyncio.new_event_loop", "loop.run_until_complete"}
)

SHOP: dict[str, str | bytes] = {
    "proj/pyproject.toml": '[project]\nname = "shop"\n',
    "proj/shop/__init__.py": "",
    "proj/shop/service.py": """
        import asyncio

        from shop.store import load


        class Service:
            async def handle(self):
                return asyncio.run(fetch(1))

            async def current(self):
                return asyncio.get_event_loop()


        async def fetch(x):
            return x


        async def route():
            return load()
        """,
    "proj/shop/store.py": """
        import asyncio


        def load():
            return _inner()


        def _inner():
            loop = asyncio.new_event_loop()
            try:
                return loop.run_until_complete(asyncio.sleep(0))
            finally:
                loop.close()


        def wrapper():
            return asyncio.run(
                asyncio.sleep(0)
            )
        """,
    "proj/shop/threads.py": """
        import asyncio
        import threading


        def worker():
            asyncio.run(asyncio.sleep(0))


        def start():
            threading.Thread(target=worker).start()
        """,
    # CRLF line ends and a tab: columns count characters, lines count \r\n once.
    "proj/shop/legacy.py": b"import asyncio\r\n\r\n\r\nasync def legacy():\r\n\treturn asyncio.run(x())\r\n",
    "proj/cli.py": """
        import asyncio


        async def main():
            return 1


        if __name__ == "__main__":
            asyncio.run(main())
        """,
    "proj/broken.py": "import asyncio\n\ndef f(:\n",
}

# (path, line, code, category, action) of every site in SHOP, worked out by hand from
# docs/classification.md.
EXPECTED = {
    ("proj/cli.py", 9, "LS100", "entrypoint", "ok"),
    ("proj/shop/legacy.py", 5, "LS101", "async-context", "fix"),
    ("proj/shop/service.py", 8, "LS101", "async-context", "fix"),
    ("proj/shop/service.py", 11, "LS201", "async-context", "fix"),
    ("proj/shop/store.py", 9, "LS100", "reachable-from-async", "ok"),
    ("proj/shop/store.py", 11, "LS103", "reachable-from-async", "fix"),
    ("proj/shop/store.py", 17, "LS104", "sync-wrapper", "fix"),
    ("proj/shop/threads.py", 6, "LS100", "thread", "ok"),
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("formats"), SHOP)


@pytest.fixture(scope="module")
def as_json(shop: Path) -> Run:
    return invoke(["check", "--format", "json", "proj"], shop)


def call_positions(path: Path) -> set[tuple[int, int, int, int]]:
    """(line, col, end_line, end_col) of every site call in `path`, 1-based, columns in
    characters, computed independently of loopsafe with `ast`."""
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    out = set()
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in SITE_CALLS:
            assert node.end_lineno is not None and node.end_col_offset is not None
            col = len(lines[node.lineno - 1][: node.col_offset].decode()) + 1
            end_col = len(lines[node.end_lineno - 1][: node.end_col_offset].decode()) + 1
            out.add((node.lineno, col, node.end_lineno, end_col))
    return out


def test_json_is_valid_against_the_schema(as_json: Run) -> None:
    assert as_json.code == 1
    assert as_json.stderr == ""
    load_check_schema().validate(as_json.json())


def test_json_lists_every_site_with_category_and_action(as_json: Run) -> None:
    data = as_json.json()
    got = {(f["path"], f["line"], f["code"], f["category"], f["action"]) for f in data["findings"]}
    assert got == EXPECTED
    assert len(data["findings"]) == len(EXPECTED)
    assert data["parse_errors"] == [
        {"path": "proj/broken.py", "line": 3, "message": "invalid syntax"}
    ]
    assert data["files_scanned"] == 7
    assert data["version"] == 1


def test_json_and_text_show_ok_list_the_same_sites(shop: Path, as_json: Run) -> None:
    shown = invoke(["check", "--show-ok", "proj"], shop)
    hidden = invoke(["check", "proj"], shop)
    everything = {(f["path"], f["line"], f["col"], f["code"]) for f in as_json.findings()}
    parse_error = ("proj/broken.py", 3, 1, "LS000")
    assert set(shown.listed()) == everything | {parse_error}
    actionable = {
        (f["path"], f["line"], f["col"], f["code"])
        for f in as_json.findings()
        if f["action"] != "ok"
    }
    assert set(hidden.listed()) == actionable | {parse_error}
    assert "3 accepted (hidden; --show-ok to list)" in hidden.stdout
    assert "3 accepted." in shown.stdout


def test_json_paths_are_relative_to_the_cwd_with_slashes(shop: Path, as_json: Run) -> None:
    from_parent = {(f["path"], f["line"]) for f in as_json.findings()}
    inside = invoke(["check", "--format", "json"], shop / "proj").findings()
    assert {("proj/" + f["path"], f["line"]) for f in inside} == from_parent
    deeper = invoke(["check", "--format", "json", "."], shop / "proj" / "shop").findings()
    assert {f["path"] for f in deeper} == {"legacy.py", "service.py", "store.py", "threads.py"}
    for finding in as_json.findings() + inside:
        assert "\\" not in finding["path"] and not finding["path"].startswith(("/", "./"))


def test_json_positions_point_at_the_call(shop: Path, as_json: Run) -> None:
    by_file: dict[str, set[tuple[int, int, int, int]]] = {}
    for f in as_json.findings():
        position = (f["line"], f["col"], f["end_line"], f["end_col"])
        by_file.setdefault(f["path"], set()).add(position)
        # The text at line/col starts the call itself.
        text = (shop / f["path"]).read_bytes().decode().splitlines()
        assert text[f["line"] - 1][f["col"] - 1 :].startswith(("asyncio.", "loop.")), f
    for path, positions in by_file.items():
        assert positions == call_positions(shop / path), path


def test_json_call_path_only_and_always_for_reachable_from_async(as_json: Run) -> None:
    for f in as_json.findings():
        if f["category"] == "reachable-from-async":
            assert f["call_path"] == ["shop.service:route", "shop.store:load", "shop.store:_inner"]
            # The path ends at the function holding the site.
            assert f["function"] == f["call_path"][-1].replace(":", ".")
        else:
            assert f["call_path"] == [], f


def test_json_function_is_module_class_method(as_json: Run) -> None:
    functions = {(f["path"], f["line"]): f["function"] for f in as_json.findings()}
    assert functions[("proj/shop/service.py", 8)] == "shop.service.Service.handle"
    assert functions[("proj/shop/service.py", 11)] == "shop.service.Service.current"
    assert functions[("proj/shop/store.py", 17)] == "shop.store.wrapper"
    assert functions[("proj/shop/legacy.py", 5)] == "shop.legacy.legacy"


def test_json_fix_replacements(as_json: Run) -> None:
    fixes = {(f["path"], f["line"]): f["fix"] for f in as_json.findings()}
    assert fixes[("proj/shop/service.py", 8)] == {"safety": "safe", "replacement": "await fetch(1)"}
    assert fixes[("proj/shop/service.py", 11)] == {
        "safety": "safe",
        "replacement": "asyncio.get_running_loop()",
    }
    # `shop.store.load` is public API of a packaged project: making the chain async would
    # break its outside sync callers, so there is no fix, only the reason.
    assert fixes[("proj/shop/store.py", 11)]["safety"] == "none"
    assert fixes[("proj/cli.py", 9)] == {"safety": "none", "replacement": ""}


def test_json_function_is_the_module_at_module_level(as_json: Run) -> None:
    # As the schema documents: the module's dotted name for sites outside any function.
    functions = {(f["path"], f["line"]): f["function"] for f in as_json.findings()}
    assert functions[("proj/cli.py", 9)] == "cli"


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": 'import asyncio\n\n\nasync def f():\n    s = "héllo 😀"; return asyncio.run(g(s))\n',
            "latin.py": b'# -*- coding: latin-1 -*-\nimport asyncio\n\n\nasync def f():\n    s = "\xe9\xe9"; return asyncio.run(g(s))\n',
        },
    )
    findings = invoke(["check", "--format", "json", "--no-cache"], tmp_path).findings()
    got = {f["path"]: (f["line"], f["col"], f["end_col"]) for f in findings}
    call = "asyncio.run(g(s))"
    # After 4 spaces, `s = "héllo 😀"; return ` is 22 characters (26 UTF-8 bytes) and
    # `s = "éé"; return ` 17 characters (19 bytes once re-encoded as UTF-8).
    assert got == {"app.py": (5, 27, 27 + len(call)), "latin.py": (6, 22, 22 + len(call))}


def sarif(shop: Path, *extra: str) -> dict[str, Any]:
    run = invoke(["check", "--format", "sarif", *extra, "proj"], shop)
    assert run.code == 1 and run.stderr == ""
    data: dict[str, Any] = json.loads(run.stdout)
    return data


@pytest.mark.parametrize("show_ok", [False, True])
def test_sarif_is_valid_2_1_0_and_matches_json(shop: Path, as_json: Run, show_ok: bool) -> None:
    data = sarif(shop, *(["--show-ok"] if show_ok else []))
    load_sarif_schema().validate(data)
    assert data["version"] == "2.1.0"
    results = data["runs"][0]["results"]
    got = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
        )
        for r in results
    }
    expected = {
        (f["path"], f["line"], f["code"])
        for f in as_json.findings()
        if show_ok or f["action"] != "ok"
    }
    assert got == expected | {("proj/broken.py", 3, "LS000")}
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["LS101"] == "error" and levels["LS000"] == "error"
    rule_ids = {rule["id"] for rule in data["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rule_ids


def test_github_prints_error_annotations(shop: Path, as_json: Run) -> None:
    run = invoke(["check", "--format", "github", "proj"], shop)
    assert run.code == 1 and run.stderr == ""
    lines = run.stdout.splitlines()
    actionable = [f for f in as_json.findings() if f["action"] != "ok"]
    assert len(lines) == len(actionable) + 1  # + the parse error
    for f in actionable:
        head = f"::error file={f['path']},line={f['line']},col={f['col']},"
        assert any(line.startswith(head) and f"title={f['code']}::" in line for line in lines), f
    assert any(
        line.startswith("::error file=proj/broken.py,line=3,") and "title=LS000::" in line
        for line in lines
    )
    assert all(line.startswith("::error ") for line in lines)


def test_github_show_ok_adds_notices(shop: Path) -> None:
    run = invoke(["check", "--format", "github", "--show-ok", "proj"], shop)
    notices = [line for line in run.stdout.splitlines() if line.startswith("::notice ")]
    assert len(notices) == 3
    assert all("title=LS100::" in line for line in notices)
