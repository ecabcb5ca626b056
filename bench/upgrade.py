"""Python 3.14 readiness on real projects: red under the 3.14 event-loop rules, then fixed.

Python 3.14 made `asyncio.get_event_loop()` raise RuntimeError when no loop is set in the
main thread; 3.12 and 3.13 emit a DeprecationWarning at the same place. So a test suite run
on Python 3.13 with `-W error::DeprecationWarning` fails exactly where 3.14 would break.
Python 3.10 removed the `loop` argument of asyncio's high-level API (`sleep`, `wait`,
`Lock`, `Queue`, ...): such a call raises TypeError on 3.13 itself, no stand-in needed.

Each project is a pinned PyPI sdist (none written here), at a release before its
maintainers fixed such a break in their own code, with an offline test suite that is red
that way on Python 3.13. For each, in a temporary venv of its own (Python 3.13, never
loopsafe):

1. install the project (editable, from a copy) and its pinned test requirements; run its
   suite with `-W error::DeprecationWarning`: per-test outcomes from JUnit XML, and for
   each failure caused by an event-loop deprecation or a removed `loop` argument (both
   counted as "event loop"), the line of code it was raised at (the innermost frame in
   the project's own files);
2. `loopsafe check --format json` on the copy: what loopsafe says about each such line;
3. `loopsafe fix . --unsafe-fixes --no-cache --target-version py314` on the copy (loopsafe
   from `--src`, run by this interpreter; without `--target-version` when this loopsafe
   does not know the option, and the report says so), reinstall, run the suite again.

A project passes when the suite is green after (no test fails) and no test that passed
before fails after. Any other outcome makes the exit status 1. Each failing line is
`fixed` (the fix changed it), `reported` (a finding that is not `ok` names it, the fix left
it) or `missed` (no finding, or only an `ok` one).

    python bench/upgrade.py                 # every project (`make upgrade`)
    python bench/upgrade.py --only NAME     # one project (sdist name, e.g. sh-2.0.4)
    python bench/upgrade.py --src DIR       # the src/ of another loopsafe checkout
    python bench/upgrade.py --keep          # keep the temporary venvs and copies
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sdist_projects import fetch, junit_outcomes, log, pip_install, run, snapshot, summary_line

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON313 = Path.home() / ".pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
SUITE_TIMEOUT = 600
TARGET = ["--target-version", "py314"]

# A failure is an event-loop deprecation when its DeprecationWarning says one of these.
EVENT_LOOP = re.compile(
    r"There is no current event loop"
    r"|get_event_loop_policy|set_event_loop_policy|EventLoopPolicy|event loop policy"
    r"|iscoroutinefunction|child watcher|ChildWatcher|get_child_watcher|set_child_watcher"
)
# A failure is a removed `loop` argument when its TypeError says so: Python 3.11 and later
# name the callable (`Lock.__init__()`, `sleep()`), 3.10's locks and queues say it in words.
LOOP_ARGUMENT = re.compile(
    r"TypeError: (?:(?P<call>[\w.]+?)(?:\.__init__)?\(\) got an unexpected keyword argument 'loop'"
    r"|As of 3\.10, the \*loop\* parameter was removed from (?P<removed>\w+)\(\))"
)
# The API a responsible line calls, most specific first.
APIS = (
    (
        "get_event_loop_policy().get_event_loop",
        "get_event_loop_policy().get_event_loop() with no loop set",
    ),
    ("get_event_loop_policy", "get_event_loop_policy()"),
    ("set_event_loop_policy", "set_event_loop_policy()"),
    ("EventLoopPolicy", "*EventLoopPolicy"),
    ("iscoroutinefunction", "asyncio.iscoroutinefunction()"),
    ("child_watcher", "child watcher"),
    ("get_event_loop", "get_event_loop() with no loop set"),
    ("Future(", "asyncio.Future() with no loop set (an implicit get_event_loop())"),
    ("ensure_future", "ensure_future() with no loop set (an implicit get_event_loop())"),
    ("gather(", "gather() with no loop set (an implicit get_event_loop())"),
)


@dataclass(frozen=True)
class Project:
    """How to install and test one sdist, and what its maintainers did about the break."""

    requirement: str
    install: tuple[str, ...]
    tests: tuple[str, ...]
    upstream_fix: str
    env: tuple[tuple[str, str], ...] = ()
    # Extra `-W` filters after `error::DeprecationWarning`: deprecations that are not the
    # event loop's and that the suite meets in its dependencies, never in its own code.
    ignore: tuple[str, ...] = ()


PYTEST = "pytest==8.3.3"

# sdist name -> how to test it. Test requirements are the project's own (requirements,
# lock file, tox), pinned to versions of the sdist's time that are clean on Python 3.13.
PROJECTS = {
    # RunningCommand.__init__ probes for a loop with get_event_loop() on every command.
    "sh-2.0.4": Project(
        "sh==2.0.4",
        (PYTEST,),
        ("tests/test.py",),
        "sh 2.0.5 (changelog: 'Call correct asyncio function for getting event loop', "
        "amoffat/sh#683): get_event_loop() -> get_running_loop() at both sites, "
        "keeping the `except RuntimeError` branch",
        env=(("SH_TESTS_RUNNING", "1"),),
    ),
    # The Lambda handler runs the app's lifespan and each request on get_event_loop().
    # Pins: mangum's dev dependencies, at versions of October 2024.
    "mangum-0.19.0": Project(
        "mangum==0.19.0",
        (
            PYTEST,
            "starlette==0.39.2",
            "quart==0.19.6",
            "flask==3.0.3",
            "werkzeug==3.0.4",
            "hypercorn==0.17.3",
            "brotli==1.1.0",
            "brotli-asgi==1.4.0",
            "httpx==0.27.2",
            "anyio==4.6.2",
        ),
        ("tests",),
        "mangum 0.21.0 (Kludex/mangum#375, 'Support Python 3.14'): Mangum.__init__ calls "
        "a new _setup_event_loop() that sets a new loop when get_event_loop() raises "
        "RuntimeError; HTTPCycle and LifespanCycle keep calling get_event_loop() "
        "(0.20.0 had tried another way, #354, reverted in #364)",
        # Its tests call starlette's deprecated decorators (starlette's own warnings).
        ignore=(
            "ignore:The `on_event` decorator is deprecated:DeprecationWarning",
            "ignore:The `exception_handler` decorator is deprecated:DeprecationWarning",
            "ignore:The `route` decorator is deprecated:DeprecationWarning",
        ),
    ),
    # sync() runs coroutines on get_event_loop().run_until_complete().
    "syncer-2.0.3": Project(
        "syncer==2.0.3",
        (PYTEST, "xfail==1.1.2"),
        ("tests",),
        "miyakogi/syncer master, after 2.0.3 (unreleased): a _get_event_loop() helper, "
        "get_event_loop() or, on RuntimeError, a new loop set as current, used by "
        "sync_co and sync_fu.run",
    ),
    # The asyncio API's `_loop` falls back to get_event_loop() when no loop is configured.
    "txaio-23.1.1": Project(
        "txaio==23.1.1",
        (PYTEST,),
        ("test",),
        "txaio 25.9.2: _AsyncioApi._loop catches the RuntimeError of get_event_loop() "
        "and creates and sets a new loop (25.6.1 still has the bare call)",
    ),
    # eventkit.util runs get_event_loop_policy().get_event_loop() at import time.
    "eventkit-1.0.3": Project(
        "eventkit==1.0.3",
        (PYTEST, "numpy==2.1.3"),
        ("tests",),
        "ib-api-reloaded/eventkit (the maintained fork; eventkit 1.0.3 is the last PyPI "
        "release): util.get_event_loop() returns get_running_loop() or a per-thread "
        "new_event_loop() that it sets as current; no loop at import time",
    ),
    # Queue.__init__ builds its asyncio Lock, Conditions and Event with `loop=loop`, and
    # wait_closed() awaits asyncio.wait(..., loop=...): Python 3.10 removed the argument.
    # Test requirements: setup.py's tests_require, pytest alone.
    "janus-0.4.0": Project(
        "janus==0.4.0",
        (PYTEST,),
        ("tests",),
        "janus 0.5.0 (changelog: 'Remove explicit loop arguments and forbid creating "
        "queues outside event loops', aio-libs/janus#246): Queue() loses its `loop` "
        "parameter and takes get_running_loop(); Lock(), Condition(), Event() and "
        "asyncio.wait() lose `loop=`",
    ),
    # _RWLockCore._yield_after_acquire awaits asyncio.sleep(0.0, loop=self._loop).
    # Pins: requirements-dev.txt of late 2020 (pytest-asyncio 0.14.0, which its tests'
    # `event_loop` fixture override is written for), with pytest 8.3.3 and uvloop 0.21.0:
    # its pytest 6.1.2 fails in assertion rewriting on Python 3.13 ('required field
    # "lineno" missing from alias'), and uvloop 0.14.0 has no wheel for 3.13.
    "aiorwlock-1.0.0": Project(
        "aiorwlock==1.0.0",
        (PYTEST, "pytest-asyncio==0.14.0", "uvloop==0.21.0"),
        ("tests",),
        "aiorwlock 1.1.0 (changelog: 'Remove explicit loop usage in asyncio.sleep() call, "
        "make the library forward compatible with Python 3.10'): "
        "asyncio.sleep(0.0, loop=self._loop) -> asyncio.sleep(0.0), the only change to "
        "aiorwlock/__init__.py besides the version",
    ),
}


@dataclass
class Failure:
    """One failed test: whether an event-loop deprecation or a removed `loop` argument
    caused it (`loop_argument`: the callable that refused it), and where."""

    test: str
    event_loop: bool
    where: tuple[str, int] | None
    message: str
    loop_argument: str = ""


@dataclass
class Suite:
    """One run of a project's test suite."""

    returncode: int
    outcomes: dict[str, str]
    failures: dict[str, Failure]
    tail: str

    @property
    def started(self) -> bool:
        # 2: interrupted by collection errors, which are failed outcomes in the JUnit XML.
        return self.returncode in (0, 1, 2) and bool(self.outcomes)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)


@dataclass
class Line:
    """A line of code that event-loop deprecations were raised at, and loopsafe's view."""

    path: str
    line: int
    code: str
    api: str
    tests: int = 0
    guarded: bool = False
    findings: list[str] = field(default_factory=list)
    verdict: str = "missed"


@dataclass
class Result:
    """Everything measured for one project."""

    name: str
    before: Suite | None = None
    after: Suite | None = None
    lines: list[Line] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    fixed: str = ""
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def red_event_loop(self) -> int:
        return sum(1 for f in self.before.failures.values() if f.event_loop) if self.before else 0

    @property
    def red_other(self) -> int:
        return (
            sum(1 for f in self.before.failures.values() if not f.event_loop) if self.before else 0
        )

    @property
    def broken(self) -> list[str]:
        if self.before is None or self.after is None:
            return []
        return sorted(
            t
            for t, o in self.before.outcomes.items()
            if o == "passed" and self.after.outcomes.get(t, "passed") != "passed"
        )

    @property
    def green(self) -> bool:
        return self.after is not None and self.after.started and self.after.count("failed") == 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.green and not self.broken


FRAME = re.compile(r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+): ", re.MULTILINE)


def culprit(text: str, root: Path) -> tuple[str, int] | None:
    """The innermost frame of a `--tb=short` traceback that is in the project's files."""
    found: tuple[str, int] | None = None
    for m in FRAME.finditer(text):
        path = Path(m.group("path"))
        if path.is_absolute():
            try:
                path = path.relative_to(root)
            except ValueError:
                continue
        if (root / path).is_file() and "site-packages" not in path.parts:
            found = (path.as_posix(), int(m.group("line")))
    return found


def run_suite(python: Path, root: Path, project: Project, junit: Path) -> Suite:
    """Run the suite under `-W error::DeprecationWarning`; per-test outcomes from JUnit."""
    warn = ["-W", "error::DeprecationWarning", *(a for f in project.ignore for a in ("-W", f))]
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short", *warn]
    done = run(
        [*cmd, f"--junitxml={junit}", *project.tests], root, SUITE_TIMEOUT, dict(project.env)
    )
    outcomes, elements = junit_outcomes(junit)
    failures: dict[str, Failure] = {}
    for test, child in elements.items():
        text = f"{child.get('message', '')}\n{child.text or ''}"
        removed = LOOP_ARGUMENT.search(text)
        argument = (removed.group("call") or removed.group("removed")) if removed else ""
        loop = bool(argument) or ("DeprecationWarning" in text and bool(EVENT_LOOP.search(text)))
        message = child.get("message", "").strip().splitlines()
        failures[test] = Failure(
            test, loop, culprit(text, root), message[0][:160] if message else "", argument
        )
    return Suite(done.returncode, outcomes, failures, summary_line(done))


def loopsafe(
    args: list[str], root: Path, src: Path, notes: list[str]
) -> subprocess.CompletedProcess[str]:
    """loopsafe from checkout `src`, run by this interpreter, with `--target-version py314`
    unless this loopsafe rejects the option (then without, noted once)."""
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, "-m", "loopsafe", *args, "--no-cache"]
    run = subprocess.run([*cmd, *TARGET], cwd=root, env=env, capture_output=True, text=True)
    if run.returncode == 2 and "target-version" in run.stderr:
        note = "this loopsafe rejects --target-version: run without it"
        if note not in notes:
            notes.append(note)
        run = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if run.returncode not in (0, 1):
        raise RuntimeError(f"loopsafe {' '.join(args)} failed: {run.stderr.strip()[-300:]}")
    return run


def findings(root: Path, src: Path, notes: list[str]) -> list[dict[str, object]]:
    """Every site loopsafe reports in the copy, `ok` ones included."""
    run = loopsafe(["check", ".", "--format", "json", "--show-ok", "--exit-zero"], root, src, notes)
    data: dict[str, list[dict[str, object]]] = json.loads(run.stdout)
    return data["findings"]


def describe(f: dict[str, object]) -> str:
    """A finding as `loopsafe check` prints it, with its action and fix safety."""
    fix = f.get("fix")
    safety = fix.get("safety", "none") if isinstance(fix, dict) else "none"
    return (
        f"{f['path']}:{f['line']}:{f['col']}: {f['code']} {f['message']} [{f['category']}] "
        f"(action {f['action']}, fix {safety})"
    )


def changed_lines(old: bytes, new: bytes) -> set[int]:
    """1-based numbers of the lines of `old` that `new` replaces or deletes."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    out: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            out.update(range(i1 + 1, i2 + 1))
    return out


def guarded(source: bytes, number: int) -> bool:
    """Whether line `number` is in the body of a `try` that catches RuntimeError: such a
    call is right on Python 3.14 (it raises RuntimeError there), and fails only under the
    3.13 stand-in, where the DeprecationWarning is no RuntimeError."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try) or not node.body:
            continue
        if not node.body[0].lineno <= number <= (node.body[-1].end_lineno or 0):
            continue
        for handler in node.handlers:
            names = [handler.type] if not isinstance(handler.type, ast.Tuple) else handler.type.elts
            caught = {ast.unparse(n).rpartition(".")[2] for n in names if n is not None}
            if handler.type is None or caught & {"RuntimeError", "Exception", "BaseException"}:
                return True
    return False


def api_of(code: str) -> str:
    for needle, api in APIS:
        if needle in code:
            return api
    return "?"


def measure(name: str, src: Path, python: Path, keep: bool) -> Result:
    """The whole before/fix/after measurement of one project."""
    project = PROJECTS[name]
    result = Result(name)
    start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f"loopsafe-upgrade-{name}-"))
    try:
        _measure(project, result, tmp, src, python)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        result.errors.append(str(exc))
    finally:
        result.seconds = time.monotonic() - start
        if keep:
            print(f"{name}: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


NO_LOOPSAFE = (
    "import importlib.util, sys; sys.exit(importlib.util.find_spec('loopsafe') is not None)"
)


def _measure(project: Project, result: Result, tmp: Path, src: Path, python313: Path) -> None:
    name = result.name
    root = tmp / name
    shutil.copytree(fetch(name, project.requirement), root)
    venv = tmp / "venv"
    subprocess.run([str(python313), "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    log(name, "install")
    pip_install(python, ["-e", str(root), *project.install], tmp, dict(project.env))
    if run([str(python), "-I", "-c", NO_LOOPSAFE], tmp, 60, dict(project.env)).returncode != 0:
        raise RuntimeError("loopsafe is importable in the project's venv: the run means nothing")

    log(name, "suite before")
    result.before = before = run_suite(python, root, project, tmp / "junit-before.xml")
    if not before.started:
        raise RuntimeError(f"the suite does not run before the fix: {before.tail}")

    original = snapshot(root)
    lines: dict[tuple[str, int], Line] = {}
    for failure in before.failures.values():
        if failure.event_loop and failure.where is not None:
            path, number = failure.where
            text = original[path].decode("utf-8", "replace").splitlines()
            code = text[number - 1].strip() if 0 < number <= len(text) else ""
            if failure.loop_argument:
                api = f"`loop` argument to {failure.loop_argument}(), removed in Python 3.10"
            else:
                api = api_of(code)
            line = lines.setdefault(failure.where, Line(path, number, code, api))
            # A TypeError caught there would fail no test: only a deprecation can be guarded.
            line.guarded = not failure.loop_argument and guarded(original[path], number)
            line.tests += 1
    result.lines = sorted(lines.values(), key=lambda ln: (ln.path, ln.line))

    log(name, "loopsafe check, fix")
    sites = findings(root, src, result.notes)
    for ln in result.lines:
        here = [
            f
            for f in sites
            if f["path"] == ln.path
            and isinstance(f["line"], int)
            and isinstance(f["end_line"], int)
            and f["line"] <= ln.line <= f["end_line"]
        ]
        ln.findings = [describe(f) for f in here]
        ln.verdict = "reported" if any(f["action"] != "ok" for f in here) else "missed"
    fix = loopsafe(["fix", ".", "--unsafe-fixes"], root, src, result.notes)
    summary = re.search(r"Fixed (\d+) finding", fix.stdout + fix.stderr)
    result.fixed = summary.group(1) if summary else "?"
    fixed = snapshot(root)
    result.files = sorted(p for p in set(original) | set(fixed) if original.get(p) != fixed.get(p))
    for ln in result.lines:
        if ln.line in changed_lines(original[ln.path], fixed.get(ln.path, b"")):
            ln.verdict = "fixed"

    pip_install(python, ["--no-deps", "-e", str(root)], tmp, dict(project.env))
    log(name, "suite after")
    result.after = run_suite(python, root, project, tmp / "junit-after.xml")


def _suite(suite: Suite | None) -> str:
    if suite is None:
        return "-"
    if not suite.started:
        return f"did not start ({suite.tail})"
    return f"{suite.count('passed')}/{suite.count('failed')}"


def row(r: Result) -> str:
    name, _, version = r.name.rpartition("-")
    verdicts = [ln.verdict for ln in r.lines]
    lines = "/".join(str(verdicts.count(v)) for v in ("fixed", "reported", "missed"))
    red = f"{r.red_event_loop}" + (f" (+{r.red_other} other)" if r.red_other else "")
    after = r.after.count("failed") if r.after and r.after.started else "-"
    status = "green" if r.ok else ("error" if r.errors else "red")
    return (
        f"| {name} | {version} | {_suite(r.before)} → {_suite(r.after)} | {red} → {after} | "
        f"{len(r.broken)} | {lines} | {r.fixed or '-'} | {len(r.files)} | {status} | "
        f"{r.seconds:.0f}s |"
    )


def report(results: list[Result]) -> str:
    """The Markdown table, then the failing lines and what loopsafe says about each."""
    out = [
        "| project | version | tests passed/failed, before → after | failing tests "
        "(event loop), before → after | tests broken | failing lines fixed/reported/missed | "
        "sites fixed | files changed | after | time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(row(r) for r in results),
        "",
    ]
    for r in results:
        notes = [f"error: {e}" for e in r.errors] + [f"note: {n}" for n in r.notes]
        notes.append(f"maintainers' fix: {PROJECTS[r.name].upstream_fix}")
        for ln in r.lines:
            test_code = re.search(r"(^|/)(tests?/|test_)", ln.path)
            notes.append(
                f"`{ln.path}:{ln.line}` `{ln.code}` ({ln.api}"
                + (", test code" if test_code else "")
                + (
                    ", in a `try` that catches RuntimeError: right on 3.14, red only here"
                    if ln.guarded
                    else ""
                )
                + f"): {ln.tests} failing test(s); **{ln.verdict}**"
            )
            notes += [f"  - loopsafe: `{f}`" for f in ln.findings] or ["  - loopsafe: no finding"]
        if r.before:
            unplaced = [f for f in r.before.failures.values() if f.event_loop and not f.where]
            notes += [f"event-loop failure with no project frame: {f.test}" for f in unplaced]
            other = [f for f in r.before.failures.values() if not f.event_loop]
            notes += [f"failed before, not the event loop: {f.test}: {f.message}" for f in other]
        notes.append(f"files changed: {', '.join(r.files) or 'none'}")
        if r.after and not r.after.started:
            notes.append(f"suite after did not start: {r.after.tail}")
        if r.after:
            still = sorted(r.after.failures.values(), key=lambda f: f.test)
            notes += [
                f"still failing: {f.test}: {f.message}"
                + (f" (at {f.where[0]}:{f.where[1]})" if f.where else "")
                for f in still[:10]
            ]
            if len(still) > 10:
                notes.append(f"... and {len(still) - 10} more still failing")
        notes += [f"broken test: {t}" for t in r.broken[:20]]
        out.append(f"**{r.name}**")
        out += [n if n.startswith("  ") else f"- {n}" for n in notes]
        out.append("")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PROJECTS), help="one project")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="loopsafe's src/")
    parser.add_argument("--python", type=Path, default=PYTHON313, help="Python 3.13 to test on")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args()
    python = args.python if args.python.exists() else Path(shutil.which("python3.13") or "")
    if not python.is_file():
        parser.error(f"no Python 3.13 at {args.python} nor on PATH")
    names = [args.only] if args.only else list(PROJECTS)
    start = time.monotonic()
    results = [measure(name, args.src.resolve(), python, args.keep) for name in names]
    print(report(results))
    print(f"{len(results)} project(s) in {time.monotonic() - start:.0f}s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
