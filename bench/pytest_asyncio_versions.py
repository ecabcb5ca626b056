"""Proof: loopsafe's pytest-asyncio edits never stop a project's tests from starting.

For each pytest-asyncio release below, a virtual environment gets that release and a pytest
it supports (not loopsafe). A small sample project is written whose pytest configuration
says `filterwarnings = ["error"]` and which pins that release (pyproject.toml or a
requirements file), with tests that use what loopsafe edits: marked async tests, an async
fixture, a sync fixture that runs `asyncio.run()` for an async test (LS303), an
`asyncio` mark with a loop scope (LS304) and an `event_loop` override (LS301) in a
sub-directory. Then:

1. `pytest --collect-only -q -W error` and `pytest -q -W error` in the sample: the test
   ids and the tests that pass before;
2. `loopsafe check` (what it finds) and `loopsafe fix --unsafe-fixes --no-cache` (from
   this checkout's .venv) on a copy;
3. the same two pytest runs in the copy.

A miss: collection does not start (exit status other than 0), the test ids differ, or a
test that passed before does not pass after. The script prints a Markdown table, one row
per release, and exits 1 on any miss.

Usage: python bench/pytest_asyncio_versions.py [--only 0.24.0] [--venvs DIR] [--keep DIR]
                                              [--loopsafe EXE]
  --venvs DIR     keep the virtual environments in DIR and reuse them on the next run
  --keep DIR      leave the sample projects (pristine/before/after) in DIR
  --loopsafe EXE  run this loopsafe instead of .venv/bin/loopsafe (an older build, to see
                  that the proof catches what it is for)
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOPSAFE = ROOT / ".venv" / "bin" / "loopsafe"


@dataclass(frozen=True)
class Release:
    version: str  # pytest-asyncio
    pytest: str  # a pytest it supports
    pin: str  # how the sample project states its version
    pin_file: str  # where: "pyproject.toml" or a requirements file
    override_scope: str | None  # the `event_loop` override's scope (None: none)
    mark_keyword: str  # the mark's loop-scope keyword this release runs without warning


# pytest versions from each release's `Requires-Dist: pytest` (0.20/0.21: >=6.1/>=7.0;
# 0.23: <9; 0.24-1.2: >=8.2,<9; 1.3+: <10, >=8.4 from 1.4).
RELEASES = (
    Release("0.20.3", "7.4.4", "pytest-asyncio==0.20.3", "requirements-test.txt", "session", "scope"),
    Release("0.21.2", "7.4.4", "pytest-asyncio==0.21.2", "requirements-test.txt", "function", "scope"),
    Release("0.23.8", "8.3.5", "pytest-asyncio==0.23.8", "pyproject.toml", "function", "scope"),
    Release("0.24.0", "8.3.5", "pytest-asyncio>=0.24,<0.25", "pyproject.toml", "function", "loop_scope"),
    Release("0.25.3", "8.3.5", "pytest-asyncio==0.25.3", "pyproject.toml", "module", "loop_scope"),
    Release("0.26.0", "8.3.5", "pytest-asyncio==0.26.0", "pyproject.toml", "module", "loop_scope"),
    Release("1.5.0", "9.2.0", "pytest-asyncio==1.5.0", "pyproject.toml", "module", "loop_scope"),
)  # fmt: skip


def _at_least(version: str, *wanted: int) -> bool:
    return tuple(int(p) for p in version.split(".")[:2]) >= wanted


def sample(release: Release) -> dict[str, str]:
    """The sample project: it starts and its tests pass under `-W error` with `release`
    (except where the release itself warns about the event_loop override, 0.23 to 0.26)."""
    ini = ['filterwarnings = ["error"]', 'asyncio_mode = "strict"']
    if _at_least(release.version, 0, 24):  # 0.24+ warns at start-up when it is unset
        ini.append('asyncio_default_fixture_loop_scope = "function"')
    deps = f'dependencies = ["{release.pin}"]\n' if release.pin_file == "pyproject.toml" else ""
    files = {
        "pyproject.toml": (
            f'[project]\nname = "sample"\nversion = "0.1.0"\n{deps}\n'
            "[tool.pytest.ini_options]\n" + "\n".join(ini) + "\n"
        ),
        "sample/__init__.py": "",
        "sample/users.py": """
            import asyncio


            async def make_user(name: str) -> dict[str, str]:
                await asyncio.sleep(0)
                return {"name": name}
            """,
        "tests/__init__.py": "",
        "tests/test_basic.py": """
            import asyncio

            import pytest
            import pytest_asyncio


            @pytest_asyncio.fixture
            async def answer() -> int:
                await asyncio.sleep(0)
                return 42


            @pytest.mark.asyncio
            async def test_sleep() -> None:
                await asyncio.sleep(0)


            @pytest.mark.asyncio
            async def test_async_fixture(answer: int) -> None:
                assert answer == 42


            def test_sync() -> None:
                assert 1 + 1 == 2
            """,
        "tests/test_users.py": """
            import asyncio

            import pytest

            from sample.users import make_user


            @pytest.fixture
            def user() -> dict[str, str]:
                return asyncio.run(make_user("ada"))


            @pytest.mark.asyncio
            async def test_user_name(user: dict[str, str]) -> None:
                assert user["name"] == "ada"
            """,
        "tests/test_scoped.py": f"""
            import asyncio

            import pytest

            pytestmark = pytest.mark.asyncio({release.mark_keyword}="module")


            async def test_first() -> None:
                await asyncio.sleep(0)


            async def test_second() -> None:
                await asyncio.sleep(0)
            """,
    }
    if release.pin_file != "pyproject.toml":
        files[release.pin_file] = f"pytest=={release.pytest}\n{release.pin}\n"
    if release.override_scope:
        files["tests/legacy/__init__.py"] = ""
        files["tests/legacy/conftest.py"] = f"""
            import asyncio

            import pytest


            @pytest.fixture(scope="{release.override_scope}")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()
            """
        files["tests/legacy/test_legacy.py"] = """
            import asyncio

            import pytest


            @pytest.mark.asyncio
            async def test_in_legacy_loop() -> None:
                await asyncio.sleep(0)
            """
    return {name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def venv_for(release: Release, base: Path) -> Path:
    """A virtual environment with exactly this pytest-asyncio and pytest (reused when a
    previous run left one with both)."""
    where = base / f"pytest-asyncio-{release.version}"
    python = where / "bin" / "python"
    stamp = where / f".ready-{release.pytest}"
    if not stamp.exists():
        shutil.rmtree(where, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"pytest=={release.pytest}",
                f"pytest-asyncio=={release.version}",
            ],
            check=True,
        )
        stamp.touch()
    return python


@dataclass
class PytestRun:
    code: int
    ids: list[str] = field(default_factory=list)  # collected test ids
    outcomes: dict[str, str] = field(default_factory=dict)  # test id -> PASSED/FAILED/...
    tail: str = ""


def _pytest(python: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "COV_", "VIRTUAL_ENV"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def collect(python: Path, project: Path) -> PytestRun:
    done = _pytest(python, project, "--collect-only", "-q")
    ids = sorted(line.strip() for line in done.stdout.splitlines() if "::" in line)
    return PytestRun(done.returncode, ids, tail=(done.stdout + done.stderr)[-1500:])


def run_tests(python: Path, project: Path) -> PytestRun:
    done = _pytest(python, project, "-q", "-rA")
    outcomes: dict[str, str] = {}
    for line in done.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS") and "::" in rest:
            outcomes.setdefault(rest.split(" - ")[0].strip(), word)
    return PytestRun(
        done.returncode, sorted(outcomes), outcomes, (done.stdout + done.stderr)[-1500:]
    )


def loopsafe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE[0]), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


EXE = [LOOPSAFE]


def edits(before: Path, after: Path) -> list[str]:
    """What the fix changed: the files, with the configuration lines it added."""
    out: list[str] = []
    names = sorted(
        {p.relative_to(before).as_posix() for p in before.rglob("*") if p.is_file()}
        | {p.relative_to(after).as_posix() for p in after.rglob("*") if p.is_file()}
    )
    for name in names:
        old = (before / name).read_text() if (before / name).exists() else ""
        new = (after / name).read_text() if (after / name).exists() else ""
        if old == new:
            continue
        if name.endswith((".toml", ".ini", ".cfg")):
            added = [
                line[1:].strip()
                for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="")
                if line.startswith("+") and not line.startswith("+++")
            ]
            out.append(f"{name}: " + "; ".join(added))
        else:
            out.append(name)
    return out


@dataclass
class Row:
    release: Release
    findings: str = ""
    written: str = ""
    proposed: str = ""
    collect: str = ""
    tests: str = ""
    messages: list[str] = field(default_factory=list)  # the review findings, in full
    misses: list[str] = field(default_factory=list)


def _count(outcomes: dict[str, str]) -> str:
    words: dict[str, int] = {}
    for outcome in outcomes.values():
        words[outcome.lower()] = words.get(outcome.lower(), 0) + 1
    return ", ".join(f"{n} {w}" for w, n in sorted(words.items())) or "none"


def check_release(release: Release, venvs: Path, work: Path) -> Row:
    row = Row(release)
    python = venv_for(release, venvs)
    files = sample(release)
    before, after = work / release.version / "before", work / release.version / "after"
    for where in (before, after):
        shutil.rmtree(where, ignore_errors=True)
        write(where, files)

    collected_before = collect(python, before)
    tests_before = run_tests(python, before)
    if collected_before.code != 0:
        row.misses.append(f"the sample does not start before fix:\n{collected_before.tail}")

    checked = loopsafe("check", "--format", "json", "--no-cache", ".", cwd=after)
    try:
        findings = [f for f in json.loads(checked.stdout)["findings"] if f["action"] != "ok"]
    except (ValueError, KeyError):
        row.misses.append(f"loopsafe check failed: {checked.stderr.strip()[-300:]}")
        findings = []
    row.findings = ", ".join(f"{f['code']} {f['action']}" for f in findings) or "none"
    reviews = [f for f in findings if f["action"] == "review"]
    row.proposed = "; ".join(f"{f['code']} {f['path']}:{f['line']}" for f in reviews) or "none"
    row.messages = [f"{f['code']} {f['path']}:{f['line']}: {f['message']}" for f in reviews]
    fixed = loopsafe("fix", "--unsafe-fixes", "--no-cache", ".", cwd=after)
    if fixed.returncode not in (0, 1):
        row.misses.append(f"loopsafe fix failed ({fixed.returncode}): {fixed.stderr[-300:]}")
    pristine = work / release.version / "pristine"
    shutil.rmtree(pristine, ignore_errors=True)
    write(pristine, files)
    row.written = "; ".join(edits(pristine, after)) or "none"

    collected_after = collect(python, after)
    tests_after = run_tests(python, after)
    row.collect = (
        f"exit {collected_before.code}, {len(collected_before.ids)} ids / "
        f"exit {collected_after.code}, {len(collected_after.ids)} ids"
    )
    row.tests = f"{_count(tests_before.outcomes)} / {_count(tests_after.outcomes)}"
    if collected_after.code != 0:
        row.misses.append(f"collection does not start after fix:\n{collected_after.tail}")
    if collected_after.ids != collected_before.ids:
        row.misses.append(
            f"collected ids differ: before {collected_before.ids}, after {collected_after.ids}"
        )
    broken = [
        test
        for test, outcome in tests_before.outcomes.items()
        if outcome == "PASSED" and tests_after.outcomes.get(test) != "PASSED"
    ]
    if broken:
        row.misses.append(f"passed before, not after: {broken}\n{tests_after.tail}")
    return row


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="only this pytest-asyncio version")
    parser.add_argument("--venvs", type=Path, help="keep and reuse the venvs here")
    parser.add_argument("--keep", type=Path, help="leave the sample projects here")
    parser.add_argument("--loopsafe", type=Path, default=LOOPSAFE, help="the loopsafe to run")
    args = parser.parse_args(argv)
    EXE[0] = args.loopsafe.resolve()
    if not EXE[0].exists():
        print(f"error: {EXE[0]} is missing; run `make lint` first", file=sys.stderr)
        return 2
    releases = [r for r in RELEASES if not args.only or r.version in args.only]
    with tempfile.TemporaryDirectory(prefix="loopsafe-pyasync-") as tmp:
        venvs = args.venvs.resolve() if args.venvs else Path(tmp) / "venvs"
        work = args.keep.resolve() if args.keep else Path(tmp) / "work"
        venvs.mkdir(parents=True, exist_ok=True)
        rows = []
        for release in releases:
            print(
                f"pytest-asyncio {release.version} (pytest {release.pytest}) ...", file=sys.stderr
            )
            rows.append(check_release(release, venvs, work))
    print(
        "| pytest-asyncio (pytest) | pin | findings | edits written | proposed (review) "
        "| collect before / after | tests before / after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        r = row.release
        cells = (
            f"{r.version} ({r.pytest})",
            f"`{r.pin}` ({r.pin_file})",
            row.findings,
            row.written,
            row.proposed,
            row.collect,
            row.tests,
        )
        print("| " + " | ".join(_cell(c) for c in cells) + " |")
    print("\nProposed (review), in full:")
    for row in rows:
        for message in row.messages:
            print(f"- {row.release.version}: {message}")
    misses = [(row.release.version, miss) for row in rows for miss in row.misses]
    for version, miss in misses:
        print(f"\nMISS pytest-asyncio {version}: {miss}")
    print(f"\n{len(rows) - len({v for v, _ in misses})} of {len(rows)} releases: no miss.")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
