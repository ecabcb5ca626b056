"""Benchmark: how loopsafe's cost grows with sites per file, files per project and fixes.

Generates synthetic projects in a temporary directory outside the repository, runs
`python -m loopsafe check --no-cache` (cold) on each size and `fix` on copies of a fixable
project, and prints the wall time per size with the slope of log(time) / log(size)
between the smallest and the largest size (1.0 is linear, 2.0 quadratic). Run with
`make scale` or `python bench/scale.py [--quick] [--repeat N] [--only sites|plain|files|fix]`.

Each size is run `--repeat` times (3 by default) on the same generated project and the
median is what counts, with the fastest and slowest run beside it: on this shared
two-core machine the same run's wall time varies by a tenth or more from one minute to
the next, and one run alone says more about the machine than about the code.

The code is a realistic mix: sync and async functions, classes whose methods share
names, `asyncio.run()`, `get_event_loop()`, `run_until_complete()`, and calls across
functions and modules, so both the findings and the call graph grow with the size.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SITES = (1_000, 2_500, 5_000, 10_000, 20_000)
FILES = (5_000, 10_000, 25_000, 50_000)
FIXES = (250, 500, 1_000, 1_500)
QUICK_SITES = (1_000, 2_500, 5_000)
QUICK_FILES = (5_000, 10_000)
QUICK_FIXES = (250, 500)
GOAL_SECONDS = 10.0  # 20,000 sites in one file and 50,000 files, cold
SITES_PER_UNIT = 4  # asyncio.run, get_event_loop, new_event_loop, run_until_complete


def _unit(i: int, units: int, chains: bool) -> str:
    """Thirty-odd lines holding four loop sites, with callers across the file. `chains`:
    a coroutine also calls another unit's sync wrappers (LS103: the chain fix walks every
    caller and every `.get` read of the file before the rule refuses it). Either way each
    unit holds an LS104 fix that drops a loop, which `check` proves or tries."""
    other = (i * 7 + 3) % units
    calls = f"Client{other}().get(x) + get_{other}(x)" if chains else f"x * {other}"
    return f"""

async def fetch_{i}(x: int) -> int:
    loop = asyncio.get_event_loop()
    await asyncio.sleep(0)
    return x + int(loop.time() > 0)


def get_{i}(x: int) -> int:
    return asyncio.run(fetch_{i}(x))


def legacy_{i}() -> int:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(fetch_{i}(1))
    finally:
        loop.close()


class Client{i}:
    def get(self, x: int) -> int:
        return get_{i}(x) + self.size()

    def size(self) -> int:
        return {i}


async def handler_{i}(x: int) -> int:
    if x > 1:
        return {calls}
    return await fetch_{i}(x)
"""


def _sites_file(sites: int, chains: bool = True) -> str:
    units = max(1, sites // SITES_PER_UNIT)
    body = "".join(_unit(i, units, chains) for i in range(units))
    return f'"""Synthetic module: {units * SITES_PER_UNIT} loop sites."""\n\nimport asyncio\n{body}'


def _project_module(k: int, files: int) -> str:
    """One module of a many-file project: one in eight holds loop sites; every module
    imports and calls a function of another."""
    callee = (k * 31 + 7) % files
    head = f'"""Module {k}."""\n\nimport asyncio\n\nfrom app.p{callee % 100}.m{callee} import work_{callee}\n'
    body = f"""

def work_{k}(x: int) -> int:
    return x * {k % 13}


def combine_{k}(x: int) -> int:
    return work_{callee}(x) + work_{k}(x)


async def serve_{k}(x: int) -> int:
    await asyncio.sleep(0)
    return combine_{k}(x)


class Service{k}:
    def run(self, x: int) -> int:
        return combine_{k}(x)
"""
    if k % 8 == 0:
        body += f"""

def sync_serve_{k}(x: int) -> int:
    return asyncio.run(serve_{k}(x))
"""
    if k % 8 == 4:
        body += f"""

async def current_{k}() -> float:
    return asyncio.get_event_loop().time()
"""
    return head + body


def _write_project(root: Path, files: int) -> None:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    for package in range(min(files, 100)):
        (root / "app" / f"p{package}").mkdir()
        (root / "app" / f"p{package}" / "__init__.py").write_text("")
    for k in range(files):
        path = root / "app" / f"p{k % 100}" / f"m{k}.py"
        path.write_text(_project_module(k, files))


def _fix_module(k: int, files: int) -> str:
    """A module whose findings have safe fixes, across a chain of modules: a coroutine
    fetching the loop, a sync wrapper, and a caller of the previous module's wrapper."""
    prev = (k - 1) % files
    return f'''"""Fixable module {k}."""

import asyncio

from lib.m{prev} import get_{prev}


async def fetch_{k}(x: int) -> int:
    loop = asyncio.get_event_loop()
    return x + int(loop.time() > 0)


def get_{k}(x: int) -> int:
    return asyncio.run(fetch_{k}(x))


def both_{k}(x: int) -> int:
    return get_{k}(x) + get_{prev}(x)
'''


def _write_fix_project(root: Path, files: int) -> None:
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "__init__.py").write_text("")
    for k in range(files):
        (root / "lib" / f"m{k}.py").write_text(_fix_module(k, files))


TIMEOUT = 300.0  # seconds per run; a run that takes longer ends its series
_LIMIT = [TIMEOUT]  # as set on the command line


def _run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds of the command and the CPU seconds (user + system) of it and its
    workers; `math.inf` for both when it ran out of time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=_LIMIT[0])
    except subprocess.TimeoutExpired:
        return math.inf, math.inf
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _check(root: Path) -> tuple[float, float]:
    return _run(
        [sys.executable, "-m", "loopsafe", "check", "--no-cache", "--exit-zero", "-q", "."], root
    )


def _fix(root: Path) -> tuple[float, float]:
    return _run([sys.executable, "-m", "loopsafe", "fix", "--no-cache", "."], root)


def _slope(points: list[tuple[int, float]]) -> float:
    (x0, t0), (x1, t1) = points[0], points[-1]
    return math.log(t1 / t0) / math.log(x1 / x0)


Point = tuple[int, float, float]  # size, wall, CPU


def _series(
    title: str,
    unit: str,
    sizes: tuple[int, ...],
    make: Callable[[Path, int], None],
    measure: Callable[[Path], tuple[float, float]],
    tmp: Path,
    repeat: int,
    fresh: bool,
) -> list[Point]:
    """`fresh`: `measure` changes the project (a fix), so each run gets a new copy."""
    print(f"{title}")
    print()
    print(f"| {unit} | wall (s), median of {repeat} | fastest to slowest (s) | CPU (s) |")
    print("| ---: | ---: | ---: | ---: |")
    points: list[Point] = []
    for size in sizes:
        root = tmp / f"{unit.replace(' ', '-')}-{size}"
        runs: list[tuple[float, float]] = []
        for attempt in range(repeat):
            if attempt == 0 or fresh:
                shutil.rmtree(root, ignore_errors=True)
                make(root, size)
            runs.append(measure(root))
            if runs[-1][0] == math.inf:
                break
        shutil.rmtree(root)
        if any(wall == math.inf for wall, _ in runs):
            print(
                f"| {size:,} | > {_LIMIT[0]:.0f} (stopped; larger sizes skipped) | | |", flush=True
            )
            break
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        walls = sorted(w for w, _ in runs)
        points.append((size, wall, cpu))
        print(
            f"| {size:,} | {wall:.2f} | {walls[0]:.2f} to {walls[-1]:.2f} | {cpu:.2f} |", flush=True
        )
    if len(points) > 1:
        first, last = points[0][0], points[-1][0]
        wall_slope = _slope([(x, w) for x, w, _ in points])
        cpu_slope = _slope([(x, c) for x, _, c in points])
        print(
            f"\nslope of log(time)/log(size), {first:,} to {last:,}: "
            f"wall {wall_slope:.2f}, CPU {cpu_slope:.2f}"
        )
    print()
    return points


def _write_sites(root: Path, sites: int) -> None:
    root.mkdir(parents=True)
    (root / "big.py").write_text(_sites_file(sites))


def _write_plain_sites(root: Path, sites: int) -> None:
    root.mkdir(parents=True)
    (root / "big.py").write_text(_sites_file(sites, chains=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Only the three smallest sizes.")
    parser.add_argument("--only", choices=("sites", "plain", "files", "fix"), action="append")
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT, help="Seconds per run before a series stops."
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="Runs per size; the median counts (default 3)."
    )
    args = parser.parse_args()
    _LIMIT[0] = args.timeout
    only = set(args.only or ("sites", "plain", "files", "fix"))
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, loopsafe check --no-cache (cold)"
    )
    print()
    results: dict[str, list[Point]] = {}
    with tempfile.TemporaryDirectory(prefix="loopsafe-scale-") as name:
        tmp = Path(name)
        series = (
            ("sites", "Sites in one file, with async chains (LS103 chains walked, then refused)",
             "sites", QUICK_SITES, SITES, _write_sites, _check),
            ("plain", "Sites in one file, no async chains",
             "sites", QUICK_SITES, SITES, _write_plain_sites, _check),
            ("files", "Files in one project (one in four holds a loop site)",
             "files", QUICK_FILES, FILES, _write_project, _check),
            ("fix", "loopsafe fix on a project whose every file has fixes",
             "fixed files", QUICK_FIXES, FIXES, _write_fix_project, _fix),
        )  # fmt: skip
        for key, title, unit, quick, full, make, measure in series:
            if key in only:
                sizes = quick if args.quick else full
                fresh = measure is _fix
                results[key] = _series(
                    title, unit, sizes, make, measure, tmp, max(1, args.repeat), fresh
                )
    goals = (
        ("sites", "20,000 sites in one file"),
        ("plain", "20,000 sites in one file, no async chains"),
        ("files", "50,000 files"),
    )
    for key, label in goals:
        if key not in results:
            continue
        points = {x: w for x, w, _ in results[key]}
        size = 50_000 if key == "files" else 20_000
        if size in points:
            ok = points[size] <= GOAL_SECONDS
            print(
                f"target {label} <= {GOAL_SECONDS:.0f} s: {'met' if ok else 'MISSED'} "
                f"({points[size]:.2f} s, the median of {max(1, args.repeat)} runs)"
            )
        elif not args.quick:
            print(f"target {label} <= {GOAL_SECONDS:.0f} s: MISSED (over {_LIMIT[0]:.0f} s)")


if __name__ == "__main__":
    main()
