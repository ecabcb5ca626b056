"""Fixes that keep real projects working: suites, imports and callers before and after.

Each project is a pinned PyPI sdist (none written here, each with a test suite that runs
offline, each with at least one site that `loopsafe fix --unsafe-fixes` changes), fetched
once into ~/.cache/loopsafe-bench. For each, in a temporary venv of its own that never has
loopsafe installed:

1. install the project (editable, from a copy) and its test requirements, run its suite;
2. call every sync function the fix is about to change, through the probes in
   bench/fixproof_probes/<project>.py, in three contexts: plain sync code, a sync call
   from inside a running loop, and a loop callback (`loop.call_soon`);
3. run `loopsafe fix . --unsafe-fixes --no-cache` on the copy (loopsafe from `--src`, run
   by this interpreter, never by the project's), reinstall, run the suite again;
4. import every package module the fix changed, and the top packages, without loopsafe;
5. call the same probes again.

Goals, each one missed makes the exit status 1: no test that passed before fails after,
no suite that no longer starts, no import that cannot be satisfied, no caller that worked
before (returned) and now raises, returns something else or hangs. A changed sync function
with no probe also fails the run: its behaviour would be unknown.

    python bench/fixproof.py                 # every project (`make fixproof`)
    python bench/fixproof.py --only NAME     # one project (sdist name, e.g. janus-1.0.0)
    python bench/fixproof.py --src DIR       # the src/ of another loopsafe checkout
    python bench/fixproof.py --keep          # keep the temporary venvs and copies
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.util
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
from types import ModuleType

from sdist_projects import fetch, junit_outcomes, log, pip_install, run, snapshot, summary_line

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROBES = HERE / "fixproof_probes"
CONTEXTS = ("sync", "in-loop", "callback")
SUITE_TIMEOUT = 900
PROBE_TIMEOUT = 60


@dataclass(frozen=True)
class Project:
    """How to install and test one sdist; `{root}` in `install` is the project's copy."""

    requirement: str
    packages: tuple[str, ...]
    install: tuple[str, ...] = ()
    extras: str = ""
    tests: tuple[str, ...] = ()


# sdist name -> how to test it. Test requirements come from the project's own files
# (requirements, constraints, extras), pinned to versions of the sdist's time where the
# project does not pin them itself.
PROJECTS = {
    # Application.run() wraps asyncio.run(): the fix swaps in run_sync().
    "prompt_toolkit-3.0.47": Project(
        "prompt_toolkit==3.0.47", ("prompt_toolkit",), ("pytest==8.3.2",), tests=("tests",)
    ),
    # is_async_callable(): asyncio.iscoroutinefunction -> inspect.iscoroutinefunction.
    "starlette-0.38.6": Project(
        "starlette==0.38.6",
        ("starlette",),
        (
            "pytest==8.3.2",
            "trio==0.26.2",
            "typing_extensions==4.12.2",
            "httpx==0.27.2",
            "python-multipart==0.0.9",
            "anyio==4.4.0",
        ),
        extras="[full]",
        tests=("tests",),
    ),
    # sync(): the iscoroutinefunction check of the function it wraps.
    "syncer-2.0.3": Project(
        "syncer==2.0.3", ("syncer",), ("pytest==8.3.2", "xfail==1.1.2"), tests=("tests",)
    ),
    # Fixes only in its tests (get_event_loop() in coroutines).
    "janus-1.0.0": Project(
        "janus==1.0.0", ("janus",), ("pytest==8.3.2", "pytest-asyncio==0.23.8"), tests=("tests",)
    ),
    # A pytest plugin that defines the event_loop fixture itself, and its own suite.
    "pytest_asyncio-0.23.8": Project(
        "pytest-asyncio==0.23.8",
        ("pytest_asyncio",),
        ("-c", "{root}/dependencies/default/constraints.txt"),
        extras="[testing]",
    ),
    # get_event_loop() -> get_running_loop() in the coroutines of the thread bridge.
    "aiosqlite-0.20.0": Project(
        "aiosqlite==0.20.0",
        ("aiosqlite",),
        ("pytest==8.3.2",),
        tests=("aiosqlite/tests/smoke.py",),
    ),
    # get_event_loop() -> get_running_loop() in the coroutines behind ainput()/aprint()
    # and the console's standard streams.
    "aioconsole-0.8.0": Project(
        "aioconsole==0.8.0",
        ("aioconsole",),
        (
            "pytest==8.3.2",
            "pytest-asyncio==0.23.8",
            "pytest-cov==5.0.0",
            "pytest-repeat==0.9.3",
            "uvloop==0.20.0",
        ),
        tests=("tests",),
    ),
    # Dispatcher.run_polling() wraps asyncio.run(start_polling()): the fix swaps in
    # run_sync(); get_event_loop() -> get_running_loop() in the handler's coroutine. The
    # extras are the storages and middlewares that tests/conftest.py imports; the test
    # pins are aiogram's own `test` extra (`~=`), at the versions of the sdist's time.
    "aiogram-3.12.0": Project(
        "aiogram==3.12.0",
        ("aiogram",),
        (
            "pymongo==4.8.0",
            "motor==3.3.2",
            "redis==5.0.8",
            "pytest==7.4.4",
            "pytest-asyncio==0.21.2",
            "pytest-lazy-fixture==0.6.3",
            "pytest-mock==3.12.0",
            "pytest-aiohttp==1.0.5",
            "aresponses==2.1.6",
            "pytz==2023.3.post1",
            "pycryptodomex==3.19.1",
        ),
        extras="[redis,mongo,proxy,i18n]",
        tests=("tests",),
    ),
    # Client.run() wraps asyncio.run(runner()): the fix swaps in run_sync().
    "discord_py-2.4.0": Project(
        "discord.py==2.4.0",
        ("discord",),
        (
            "pytest==8.3.2",
            "pytest-asyncio==0.23.8",
            "pytest-mock==3.14.0",
            "typing-extensions==4.12.2",
        ),
        tests=("tests",),
    ),
}


@dataclass
class Suite:
    """One run of a project's test suite: per-test outcome, and whether it started."""

    returncode: int
    outcomes: dict[str, str]
    tail: str

    @property
    def started(self) -> bool:
        return self.returncode in (0, 1) and bool(self.outcomes)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)


@dataclass
class Result:
    """Everything measured for one project."""

    name: str
    before: Suite | None = None
    after: Suite | None = None
    fixed: str = ""
    files: list[str] = field(default_factory=list)
    broken_tests: list[str] = field(default_factory=list)
    session_broken: bool = False
    imports: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    probes: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    unprobed: dict[str, str] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def unsatisfiable(self) -> list[str]:
        return [m for m, (b, a) in self.imports.items() if b is None and a is not None]

    @property
    def missed(self) -> bool:
        unknown = [q for q, why in self.unprobed.items() if why == ""]
        return bool(
            self.broken_tests
            or self.session_broken
            or self.unsatisfiable
            or self.changes
            or unknown
            or self.errors
        )


def run_suite(python: Path, root: Path, project: Project, junit: Path) -> Suite:
    """Run the project's pytest suite; outcomes come from its JUnit XML, per test id."""
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    done = run([*cmd, *project.tests], root, SUITE_TIMEOUT)
    outcomes, _ = junit_outcomes(junit)
    return Suite(done.returncode, outcomes, summary_line(done))


def module_name(path: str, project: Project) -> str | None:
    """The import name of a project file, or None for tests, docs and other files."""
    parts = path.removesuffix(".py").split("/")
    if not path.endswith(".py"):
        return None
    for i, part in enumerate(parts):
        if part in project.packages:
            mod = parts[i:]
            if mod[-1] == "__init__":
                mod = mod[:-1]
            if any(p in ("tests", "test") for p in mod):
                return None
            return ".".join(mod)
    return None


def _own(node: ast.AST) -> str:
    """A function's code without the bodies of the functions and classes nested in it."""
    node = copy.deepcopy(node)
    for sub in ast.walk(node):
        if sub is not node and isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
            sub.body = [ast.Pass()]
        if isinstance(sub, ast.ClassDef):
            sub.body = [ast.Pass()]
    return ast.dump(node)


def functions(source: str) -> dict[str, tuple[bool, str]]:
    """qualname -> (is async, own code) for every function of a module."""
    out: dict[str, tuple[bool, str]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = f"{prefix}{child.name}"
                out[qual] = (isinstance(child, ast.AsyncFunctionDef), _own(child))
                visit(child, f"{qual}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    try:
        visit(ast.parse(source), "")
    except SyntaxError:
        return {}
    return out


def changed_functions(
    before: dict[str, bytes], after: dict[str, bytes], project: Project
) -> tuple[dict[str, str], list[str]]:
    """`module:qualname` -> how it changed, for the sync functions of the package's modules
    whose own code the fix changed or removed; and notes on the other changed functions."""
    targets: dict[str, str] = {}
    notes: list[str] = []
    for path in sorted(set(before) | set(after)):
        if not path.endswith(".py") or before.get(path) == after.get(path):
            continue
        old = functions(before.get(path, b"").decode("utf-8", "replace"))
        new = functions(after.get(path, b"").decode("utf-8", "replace"))
        module = module_name(path, project)
        for qual, (is_async, code) in old.items():
            if qual in new and new[qual][1] == code:
                continue
            how = "removed" if qual not in new else "changed"
            if module is None:
                notes.append(f"{path}:{qual} {how} (not package code: the suite runs it)")
            elif is_async:
                notes.append(f"{module}:{qual} {how} (async: the suite awaits it)")
            else:
                targets[f"{module}:{qual}"] = how
    return targets, notes


IMPORTER = r"""
import importlib, importlib.util, json, sys
out = {"loopsafe installed": None if importlib.util.find_spec("loopsafe") is None else "yes"}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        out[name] = None
    except BaseException as exc:
        out[name] = f"{type(exc).__name__}: {exc}"
print("FIXPROOF " + json.dumps(out))
"""

RUNNER = r"""
import asyncio, importlib.util, json, re, sys

def show(value):
    text = repr(value)
    return text if " at 0x" not in text and len(text) < 200 else f"<{type(value).__qualname__}>"

def plain(text):
    return re.sub(r" at 0x[0-9a-f]+", "", text)

def outcome(probe):
    try:
        value = probe()
    except BaseException as exc:
        kind = type(exc)
        lines = str(exc).strip().splitlines()
        return ["raised", f"{kind.__module__}.{kind.__qualname__}: {plain(lines[0])[:160] if lines else ''}"]
    return ["returned", show(value)]

def main():
    path, key, context = sys.argv[1:4]
    spec = importlib.util.spec_from_file_location("fixproof_probes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    probe = module.PROBES[key]
    if context == "sync":
        return outcome(probe)

    async def inside():
        if context == "in-loop":
            return outcome(probe)
        box, done = [], asyncio.Event()
        def callback():
            box.append(outcome(probe))
            done.set()
        asyncio.get_running_loop().call_soon(callback)
        await done.wait()
        return box[0]

    return asyncio.run(inside())

print("FIXPROOF " + json.dumps(main()), flush=True)
"""


def _marked(run: subprocess.CompletedProcess[str]) -> str | None:
    for line in reversed(run.stdout.splitlines()):
        if line.startswith("FIXPROOF "):
            return line.removeprefix("FIXPROOF ")
    return None


def check_imports(python: Path, tmp: Path, modules: list[str]) -> dict[str, str | None]:
    """Import each module in a fresh interpreter of the project's venv (isolated mode)."""
    script = tmp / "fixproof_import.py"
    script.write_text(IMPORTER)
    done = run([str(python), "-I", str(script), *modules], tmp, 120)
    found = _marked(done)
    if found is None:
        return dict.fromkeys(modules, f"importer crashed: {done.stderr.strip()[-300:]}")
    result: dict[str, str | None] = json.loads(found)
    if result.pop("loopsafe installed"):
        raise RuntimeError("loopsafe is importable in the project's venv: the check means nothing")
    return result


def load_probes(name: str) -> dict[str, object]:
    """The probe table of a project (its keys and reasons; callables are run elsewhere)."""
    path = PROBES / f"{name}.py"
    if not path.is_file():
        return {}
    # Only the table's keys are read here: the module imports the project lazily, inside
    # each probe, so loading it in loopsafe's interpreter runs no project code.
    spec = importlib.util.spec_from_file_location(f"fixproof_probes_{name}", path)
    assert spec is not None and spec.loader is not None
    module = ModuleType(spec.name)
    spec.loader.exec_module(module)
    probes: dict[str, object] = module.PROBES
    return probes


def probe(python: Path, tmp: Path, name: str, key: str, context: str) -> tuple[str, str]:
    """(outcome, detail) of one probe in one context: returned, raised, hang or crashed."""
    script = tmp / "fixproof_probe.py"
    script.write_text(RUNNER)
    done = run(
        [str(python), "-I", str(script), str(PROBES / f"{name}.py"), key, context],
        tmp,
        PROBE_TIMEOUT,
    )
    if done.returncode == -9:
        return ("hang", f"no answer in {PROBE_TIMEOUT}s")
    found = _marked(done)
    if found is None:
        return ("crashed", done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
    outcome, detail = json.loads(found)
    return (outcome, detail)


def loopsafe_fix(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    """`loopsafe fix . --unsafe-fixes` from checkout `src`, run by loopsafe's interpreter."""
    env = dict(os.environ, PYTHONPATH=str(src))
    return subprocess.run(
        [sys.executable, "-m", "loopsafe", "fix", ".", "--unsafe-fixes", "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


def measure(name: str, src: Path, keep: bool) -> Result:
    """The whole before/fix/after measurement of one project."""
    project = PROJECTS[name]
    result = Result(name)
    start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f"loopsafe-fixproof-{name}-"))
    try:
        _measure(project, result, tmp, src)
    except (RuntimeError, OSError) as exc:
        result.errors.append(str(exc))
    finally:
        result.seconds = time.monotonic() - start
        if keep:
            print(f"{name}: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


def _measure(project: Project, result: Result, tmp: Path, src: Path) -> None:
    name = result.name
    root = tmp / name
    shutil.copytree(fetch(name, project.requirement), root)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    extra = [a.replace("{root}", str(root)) for a in project.install]
    pip_install(python, ["-e", f"{root}{project.extras}", *extra], tmp)

    log(name, "suite before")
    result.before = run_suite(python, root, project, tmp / "junit-before.xml")
    if not result.before.started:
        raise RuntimeError(f"the suite does not run before the fix: {result.before.tail}")

    # Which functions the fix changes: from a fix on a scratch copy, so that the probes
    # run on the original code first.
    scratch = tmp / "scratch"
    shutil.copytree(root, scratch)
    original = snapshot(scratch)
    fix = loopsafe_fix(scratch, src)
    if fix.returncode not in (0, 1):
        raise RuntimeError(f"loopsafe fix failed: {fix.stderr.strip()[-300:]}")
    fixed = snapshot(scratch)
    result.files = sorted(p for p in set(original) | set(fixed) if original.get(p) != fixed.get(p))
    summary = re.search(r"Fixed (\d+) finding", fix.stdout + fix.stderr)
    result.fixed = summary.group(1) if summary else "?"
    result.targets, result.other = changed_functions(original, fixed, project)
    modules = sorted(
        {m for p in result.files if (m := module_name(p, project))} | set(project.packages)
    )

    table = load_probes(name)
    keys = {t: [k for k in table if k.split(" [")[0] == t] for t in result.targets}
    for target, found in keys.items():
        reasons = [str(table[k]) for k in found if isinstance(table[k], str)]
        if reasons:
            result.unprobed[target] = reasons[0]
        elif not found:
            result.unprobed[target] = ""
    runnable = [k for found in keys.values() for k in found if callable(table[k])]

    log(name, "imports and probes before")
    imports_before = check_imports(python, tmp, modules)
    for key in runnable:
        result.probes[key] = {f"{c} before": probe(python, tmp, name, key, c) for c in CONTEXTS}

    log(name, "fix")
    shutil.rmtree(scratch)
    again = loopsafe_fix(root, src)
    now = snapshot(root)
    if any(now.get(p) != fixed.get(p) for p in result.files):
        result.errors.append("the fix changed the copy otherwise than the scratch copy")
    if again.returncode not in (0, 1):
        raise RuntimeError(f"loopsafe fix failed: {again.stderr.strip()[-300:]}")
    pip_install(python, ["--no-deps", "-e", str(root)], tmp)

    log(name, "suite after")
    result.after = run_suite(python, root, project, tmp / "junit-after.xml")
    result.session_broken = not result.after.started
    result.broken_tests = sorted(
        t
        for t, o in result.before.outcomes.items()
        if o == "passed" and result.after.outcomes.get(t) != "passed"
    )

    log(name, "imports and probes after")
    imports_after = check_imports(python, tmp, modules)
    result.imports = {m: (imports_before.get(m), imports_after.get(m)) for m in modules}
    for key in runnable:
        seen = result.probes[key]
        for c in CONTEXTS:
            seen[f"{c} after"] = after = probe(python, tmp, name, key, c)
            before = seen[f"{c} before"]
            line = f"{key} ({c}): before {before[0]} {before[1]}; after {after[0]} {after[1]}"
            if (before[0] == "returned" and after != before) or (
                after[0] == "hang" and before[0] != "hang"
            ):
                result.changes.append(line)
            elif after != before:
                result.other.append(f"{line} (the caller failed before too)")


def _tests(suite: Suite | None) -> str:
    if suite is None:
        return "-"
    if not suite.started:
        return f"did not start ({suite.tail})"
    return f"{suite.count('passed')}/{suite.count('failed')}"


def row(r: Result) -> str:
    name, _, version = r.name.rpartition("-")
    probed = len({k.split(" [")[0] for k in r.probes})
    not_callable = sum(1 for why in r.unprobed.values() if why)
    no_probe = sum(1 for why in r.unprobed.values() if not why)
    wrappers = f"{probed}/{len(r.targets)}"
    if not_callable:
        wrappers += f" ({not_callable} not callable offline)"
    if no_probe:
        wrappers += f" ({no_probe} without a probe)"
    return (
        f"| {name} | {version} | {_tests(r.before)} → {_tests(r.after)} | "
        f"{len(r.broken_tests)} | {r.fixed or '-'} | {int(r.session_broken)} | "
        f"{len(r.unsatisfiable)} | {wrappers} | {len(r.changes)} | {r.seconds:.0f}s |"
    )


def report(results: list[Result]) -> str:
    """The Markdown table, then every finding behind a non-zero cell."""
    lines = [
        "| project | version | tests passed/failed, before → after | tests broken | "
        "sites fixed | sessions broken | unsatisfiable imports | wrappers probed | "
        "behaviour changes | time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(row(r) for r in results),
        "",
    ]
    for r in results:
        notes: list[str] = []
        notes += [f"error: {e}" for e in r.errors]
        notes += [f"files changed: {', '.join(r.files) or 'none'}"]
        notes += [f"broken test: {t}" for t in r.broken_tests[:20]]
        if len(r.broken_tests) > 20:
            notes.append(f"... and {len(r.broken_tests) - 20} more broken tests")
        if r.session_broken and r.after is not None:
            notes.append(f"session broken: {r.after.tail}")
        notes += [f"unsatisfiable import: {m}: {r.imports[m][1]}" for m in r.unsatisfiable]
        notes += [
            f"not probed: {q}: {why or 'no probe in bench/fixproof_probes'}"
            for q, why in r.unprobed.items()
        ]
        notes += [f"behaviour change: {c}" for c in r.changes]
        notes += [f"note: {o}" for o in r.other]
        lines.append(f"**{r.name}**")
        lines += [f"- {n}" for n in notes]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PROJECTS), help="one project")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="loopsafe's src/")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args()
    names = [args.only] if args.only else list(PROJECTS)
    start = time.monotonic()
    results = [measure(name, args.src.resolve(), args.keep) for name in names]
    print(report(results))
    print(f"{len(results)} project(s) in {time.monotonic() - start:.0f}s")
    return 1 if any(r.missed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
