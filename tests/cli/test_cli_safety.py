"""Nothing from the analysed tree is ever imported or executed, whatever it contains, and
a hostile `.loopsafe_cache/` in the tree can neither crash the tool nor change its result.
"""

from __future__ import annotations

import json
import pickle
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    LS101_MODULE,
    Run,
    child_env,
    invoke,
    read_cache_file,
    rewrite_cache_file,
    spawn,
    write,
)


def payload(marker: Path) -> str:
    """Code that leaves `marker` behind when it runs."""
    return f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n"


def evil_tree(root: Path, markers: Path) -> dict[str, str]:
    """A project every file of which runs a payload if imported or executed, each with a
    loop site that must still be reported. Returns {path: expected code}."""
    site = "\n\nasync def handler():\n    asyncio.run(work())\n"

    def module(name: str, extra: str = "") -> str:
        return "import asyncio\n" + payload(markers / name.replace("/", "_")) + extra + site

    expected = {}
    files: dict[str, str] = {}
    python_files = [
        "evilpkg/__init__.py",
        "evilpkg/core.py",
        "evilpkg/cli.py",
        "evilpkg/__main__.py",
        "conftest.py",
        "tests/conftest.py",
        "tests/test_core.py",
        "setup.py",
        "backend.py",
        "noxfile.py",
        "sitecustomize.py",
        "usercustomize.py",
        # modules that would shadow what loopsafe and Python import, were the tree ever
        # on sys.path
        "click.py",
        "json.py",
        "rich.py",
        "pathspec.py",
        "libcst.py",
        "tomllib.py",
        "loopsafe.py",
    ]
    for name in python_files:
        files[name] = module(name)
        expected[name] = "LS101"
    # PEP 695 syntax: on Python < 3.12 this goes through the LibCST worker process.
    files["evilpkg/modern.py"] = module("evilpkg/modern.py", "\ntype Alias[T] = list[T]\n")
    expected["evilpkg/modern.py"] = "LS101"
    files["evil.pth"] = payload(markers / "evil.pth")
    files["evilpkg/data.pth"] = payload(markers / "data.pth")
    files["pyproject.toml"] = (
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n'
        '[project]\nname = "evilpkg"\nversion = "0"\n\n'
        '[project.scripts]\nevil = "evilpkg.cli:main"\n\n'
        '[tool.pytest.ini_options]\naddopts = "-p evilpkg.core"\n'
    )
    files["setup.cfg"] = (
        "[options.entry_points]\nconsole_scripts =\n    evil2 = evilpkg.core:main\n"
    )
    write(root, files)
    return expected


def assert_safe(root: Path, markers: Path, run: Run, expected: dict[str, str], prefix: str) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.code == 1, run
    assert sorted(p.name for p in markers.iterdir()) == []
    assert list(root.rglob("__pycache__")) == [], "something was imported"
    reported = {(f["path"], f["code"]) for f in run.findings()}
    for path, code in expected.items():
        assert (prefix + path, code) in reported, path


def test_the_payload_works(tmp_path: Path) -> None:
    """The check below means something only if the payload really leaves a marker."""
    marker = tmp_path / "probe"
    exec(compile(payload(marker), "<payload>", "exec"), {})
    assert marker.read_text() == "ran"


def test_nothing_in_the_tree_is_imported_or_executed_from_outside(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    expected = evil_tree(tmp_path / "evil", markers)
    run = spawn(["check", "--format", "json", "evil"], tmp_path)
    assert_safe(tmp_path / "evil", markers, run, expected, "evil/")


def test_nothing_in_the_tree_is_imported_or_executed_from_inside(tmp_path: Path) -> None:
    """Run the way users do, `loopsafe check` from the project root, through the console
    script (`python -m` would put the cwd on sys.path: that is Python's doing, not ours)."""
    script = Path(sys.executable).parent / "loopsafe"
    if not script.exists():
        pytest.skip("no console script next to the interpreter")
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "evil"
    expected = evil_tree(root, markers)
    import subprocess

    proc = subprocess.run(
        [str(script), "check", "--format", "json", "--jobs", "2"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    assert_safe(root, markers, Run(proc.returncode, proc.stdout, proc.stderr), expected, "")


# --------------------------------------------------------------------------- the cache
def cache_project(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "p"\n',
            "app.py": LS101_MODULE,
            "lib.py": "import asyncio\n\n\ndef f():\n    return asyncio.run(g())\n",
        },
    )


def result(root: Path, *args: str, told: str = "") -> tuple[int, str]:
    """`check --format json`: exit status and stdout; stderr must be `told` exactly."""
    run = invoke(["check", "--format", "json", *args], root)
    assert run.code in (0, 1) and run.stderr == told, run
    return run.code, run.stdout


# What stderr says once when the cache in the tree was made by someone else.
UNSIGNED = "loopsafe: warning: cache ignored: .loopsafe_cache/run.json was not signed by this user's loopsafe\n"


GARBAGE: dict[str, Any] = {
    "binary": b"\x00\xff\xfe garbage",
    "truncated": b'{"fingerprint": "',
    "wrong types": b'{"fingerprint": 5, "entries": [1, 2], "key": [], "result": "x"}',
    "a list": b"[1, 2, 3]",
    "huge number": b"1" + b"0" * 5000,
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "a signature line then garbage": b"0" * 64 + b"\n" + b"[" * 100_000,
}


@pytest.mark.parametrize("content", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_cache_files_are_ignored(tmp_path: Path, content: bytes) -> None:
    root = cache_project(tmp_path)
    clean = result(root, "--no-cache")
    result(root)  # a real cache first, then garbage over it
    for name in ("facts.json", "run.json", "stats.json"):
        write(root, {f".loopsafe_cache/{name}": content})
    assert result(root, told=UNSIGNED) == clean
    assert result(root) == clean  # and the rewritten cache is sound


def test_crafted_cache_from_elsewhere_cannot_hide_findings(tmp_path: Path) -> None:
    """A committed cache claiming `no findings`, well-formed in every way an outsider can
    manage: plain JSON, or JSON under a made-up signature line. Both must be ignored."""
    root = cache_project(tmp_path)
    clean = result(root, "--no-cache")
    run_json = json.dumps(
        {"key": "0" * 32, "result": {"files_scanned": 2, "findings": [], "parse_errors": []}}
    )
    facts_json = json.dumps({"fingerprint": "0" * 16, "entries": {}})
    for signature in ("", "0" * 64 + "\n", "not-hex\n"):
        write(
            root,
            {
                ".loopsafe_cache/run.json": signature + run_json,
                ".loopsafe_cache/facts.json": signature + facts_json,
            },
        )
        assert result(root, told=UNSIGNED) == clean


def test_cache_signed_with_another_users_key_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same doctored cache is believed under the key that signed it (so the check
    means something) and ignored under any other key, e.g. a copy from another machine."""
    root = cache_project(tmp_path)
    clean = result(root, "--no-cache")
    result(root)

    def no_findings(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "result": {**data["result"], "findings": []}}

    rewrite_cache_file(root / ".loopsafe_cache", "run.json", no_findings)
    assert result(root)[1] != clean[1]  # its own key: the doctored run is read back
    rewrite_cache_file(root / ".loopsafe_cache", "run.json", no_findings)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert result(root, told=UNSIGNED) == clean


@pytest.mark.parametrize("name", ["facts.json", "run.json", "stats.json"])
def test_pickles_in_the_cache_are_never_loaded(tmp_path: Path, name: str) -> None:
    root = cache_project(tmp_path)
    clean = result(root, "--no-cache")
    marker = tmp_path / "unpickled"

    class Exploit:
        def __reduce__(self) -> tuple[Any, ...]:
            return (exec, (payload(marker),))

    write(root, {f".loopsafe_cache/{name}": pickle.dumps(Exploit())})
    told = UNSIGNED.replace("run.json", name) if name != "stats.json" else ""  # never read
    assert result(root, told=told) == clean
    assert not marker.exists()


# Damaged entries signed with this user's key: what a bug, an interrupted upgrade or the
# user's own tinkering could leave. cache.py promises "anything malformed is a miss".
def index(cls_name: str, field: str) -> int:
    from loopsafe.facts import model

    return [f.name for f in fields(getattr(model, cls_name))].index(field)


def with_facts(field: str, value: Any) -> Any:
    def change(entry: Any) -> Any:
        row = list(entry["facts"])
        row[index("FileFacts", field)] = value
        return {"facts": row}

    return change


def with_sites(field: str, value: Any) -> Any:
    def change(entry: Any) -> Any:
        row = list(entry["facts"])
        at = index("FileFacts", "sites")
        sites = [list(site) for site in row[at]]
        for site in sites:
            site[index("Site", field)] = value
        row[at] = sites
        return {"facts": row}

    return change


SURVIVABLE: dict[str, Any] = {
    "entry not a dict": lambda entry: 7,
    "facts a dict": lambda entry: {"facts": {"module": "app"}},
    "facts a string": lambda entry: {"facts": "x"},
    "facts too short": lambda entry: {"facts": entry["facts"][:3]},
    "sites a dict": with_facts("sites", {"a": 1}),
    "sites of strings": with_facts("sites", ["x"]),
    "error entry with a bad line": lambda entry: {"error": "boom", "line": "x"},
}
FATAL: dict[str, Any] = {
    "functions a list": with_facts("functions", [1, 2]),
    "suppressions a list": with_facts("suppressions", [1]),
    "imports a list": with_facts("imports", [1]),
}
WRONG: dict[str, Any] = {
    "site line a string": with_sites("line", "three"),
    "site kind unknown": with_sites("kind", "nope"),
}


def damaged_run(tmp_path: Path, change: Any) -> tuple[tuple[int, str], Run]:
    """Each run in a fresh process. An entry's key covers the code that made the facts, so
    the damaged entries are looked up only if nobody edited src/ between the two runs."""
    root = cache_project(tmp_path)
    first = spawn(["check", "--format", "json"], root)
    assert first.code == 1 and first.stderr == ""
    cache = root / ".loopsafe_cache"

    def damage(data: dict[str, Any]) -> dict[str, Any]:
        assert data["entries"], "nothing cached"
        return {**data, "entries": {k: change(v) for k, v in data["entries"].items()}}

    rewrite_cache_file(cache, "facts.json", damage)
    (cache / "run.json").unlink()  # so that the entries are read
    keys = set(read_cache_file(cache, "facts.json")["entries"])
    run = spawn(["check", "--format", "json"], root)
    after = read_cache_file(cache, "facts.json")
    if after is None or set(after["entries"]) != keys:
        pytest.skip("loopsafe's own files changed during the test")
    return (first.code, first.stdout), run


@pytest.mark.parametrize("change", list(SURVIVABLE.values()), ids=list(SURVIVABLE))
def test_malformed_cache_entries_are_misses(tmp_path: Path, change: Any) -> None:
    clean, run = damaged_run(tmp_path, change)
    assert run.stderr == ""
    assert (run.code, run.stdout) == clean


@pytest.mark.parametrize("change", list(FATAL.values()), ids=list(FATAL))
def test_malformed_cache_entries_never_crash(tmp_path: Path, change: Any) -> None:
    clean, run = damaged_run(tmp_path, change)
    assert "internal error" not in run.stderr, run.stderr
    assert (run.code, run.stdout) == clean


@pytest.mark.parametrize("change", list(WRONG.values()), ids=list(WRONG))
def test_malformed_cache_entries_never_change_the_result(tmp_path: Path, change: Any) -> None:
    clean, run = damaged_run(tmp_path, change)
    assert (run.code, run.stdout) == clean
