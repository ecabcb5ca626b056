"""Benchmark: the wall-time overhead of `pytest --loopsafe` on a generated 1,000-test suite.

The suite mixes sync and async tests (pytest-asyncio, auto mode), sync and async fixtures,
parametrized tests, and a few tests whose code catches a loop conflict (so the tracer also
records). Each round runs pytest on it twice in fresh processes, with and without
`--loopsafe`, in a random order; we report the median wall time of each and the overhead.
Only pytest-asyncio and loopsafe's plugin are loaded (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`), so
other plugins' start-up does not dilute the overhead.

Wall times on a shared machine are noisy, so the CPU time of each run is reported too, and
`--calls` counts the Python function calls of one run of each under cProfile, a measure of
the work added that other processes cannot disturb.

Usage: python bench/plugin.py [--tests 1000] [--rounds 7] [--calls] [--json PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import NamedTuple

TESTS_PER_FILE = 50
TARGET_OVERHEAD = 5.0  # percent


class Sample(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds of the pytest process


CONFTEST = """
import asyncio

import pytest


@pytest.fixture
def numbers():
    return list(range(10))


@pytest.fixture
async def ready_queue():
    queue = asyncio.Queue()
    await queue.put(1)
    return queue
"""

APP = '''
import asyncio
import logging

log = logging.getLogger("app")


async def fetch(value):
    await asyncio.sleep(0)
    return value * 2


def compute(value):
    return sum(range(value % 50))


async def sources_or_default():
    """Swallows the conflict it causes: the tracer records it, the test passes."""
    coro = fetch(1)
    try:
        return asyncio.run(coro)
    except RuntimeError:
        coro.close()
        log.warning("falling back to the default sources")
        return []
'''


def _test_file(index: int, count: int) -> str:
    """`count` tests: a quarter each sync, async, fixture-using and parametrized."""
    parts = [
        "import asyncio\n\nimport pytest\n\nfrom app import compute, fetch, sources_or_default\n"
    ]
    made = 0
    n = 0
    while made < count:
        kind = n % 4
        name = f"test_{index}_{n}"
        if kind == 0:
            parts.append(f"\ndef {name}(numbers):\n    assert compute({n}) >= 0 and numbers\n")
            made += 1
        elif kind == 1:
            parts.append(
                f"\nasync def {name}():\n    assert await fetch({n}) == {2 * n}\n"
                f"    await asyncio.sleep(0)\n"
            )
            made += 1
        elif kind == 2:
            parts.append(
                f"\nasync def {name}(ready_queue):\n    assert await ready_queue.get() == 1\n"
            )
            made += 1
        else:
            params = min(3, count - made)
            parts.append(
                f"\n@pytest.mark.parametrize('value', range({params}))\n"
                f"async def {name}(value):\n    assert await fetch(value) == 2 * value\n"
            )
            made += params
        n += 1
    if index % 5 == 0:  # a few tests whose code hits (and swallows) a loop conflict
        parts.append(
            f"\nasync def test_{index}_swallowed():\n    assert await sources_or_default() == []\n"
        )
    return "".join(parts)


def generate(root: Path, total: int) -> int:
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.pytest.ini_options]
            testpaths = ["tests"]
            pythonpath = ["."]
            asyncio_mode = "auto"
            asyncio_default_fixture_loop_scope = "function"
            """
        ),
        encoding="utf-8",
    )
    (root / "app.py").write_text(APP.lstrip(), encoding="utf-8")
    (root / "tests" / "conftest.py").write_text(CONFTEST.lstrip(), encoding="utf-8")
    files = 0
    remaining = total
    while remaining > 0:
        swallowed = 1 if files % 5 == 0 else 0
        count = min(TESTS_PER_FILE, remaining) - swallowed
        source = _test_file(files, max(count, 0))
        (root / "tests" / f"test_gen_{files:03d}.py").write_text(source, encoding="utf-8")
        remaining -= count + swallowed
        files += 1
    return files


def _command(traced: bool, profile: Path | None = None) -> tuple[list[str], dict[str, str]]:
    # Cache bytecode as a developer machine does: with PYTHONDONTWRITEBYTECODE set, every run
    # would recompile loopsafe's plugin and the generated tests.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "asyncio"]
    command += ["-p", "loopsafe"]
    if traced:
        command.append("--loopsafe")
    return command, env


def count_calls(root: Path, traced: bool) -> int:
    """Python function calls of one run: a cost measure that other load cannot disturb."""
    import pstats

    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "run.prof"
        command, env = _command(traced, profile)
        subprocess.run(command, cwd=root, env=env, capture_output=True, check=True)
        return int(pstats.Stats(str(profile)).total_calls)


def run_once(root: Path, traced: bool) -> Sample:
    command, env = _command(traced)
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        if code != 0:
            out.seek(0)
            tail = out.read().decode("utf-8", "replace")[-3000:]
            raise SystemExit(f"the generated suite failed ({code}):\n{tail}")
    return Sample(wall, usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--keep", type=Path, help="generate the suite here and keep it")
    parser.add_argument(
        "--calls", action="store_true", help="also count function calls under cProfile"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="loopsafe-bench-") as tmp:
        root = args.keep or Path(tmp) / "suite"
        files = generate(root, args.tests)
        print(f"{args.tests} tests in {files} files; {args.rounds} rounds, interleaved")
        run_once(root, True)  # warm the file system cache and __pycache__ once
        run_once(root, False)
        runtime = json.loads((root / ".loopsafe" / "runtime.json").read_text("utf-8"))
        assert runtime["tests"]["total"] == args.tests, runtime["tests"]
        calls = {key: count_calls(root, key) for key in (False, True)} if args.calls else {}
        samples: dict[bool, list[Sample]] = {False: [], True: []}
        rng = random.Random(5)
        for number in range(1, args.rounds + 1):
            order = [False, True]
            rng.shuffle(order)
            for traced in order:
                samples[traced].append(run_once(root, traced))
            plain_s, traced_s = samples[False][-1], samples[True][-1]
            print(
                f"  round {number}: without {plain_s.wall:.3f} s (cpu {plain_s.cpu:.3f}), "
                f"with --loopsafe {traced_s.wall:.3f} s (cpu {traced_s.cpu:.3f})"
            )

    def median(traced: bool, field: str) -> float:
        return statistics.median(getattr(s, field) for s in samples[traced])

    wall = {key: median(key, "wall") for key in (False, True)}
    cpu = {key: median(key, "cpu") for key in (False, True)}
    overhead = 100 * (wall[True] - wall[False]) / wall[False]
    cpu_overhead = 100 * (cpu[True] - cpu[False]) / cpu[False]
    # Each round's two runs are neighbours in time, so their ratio cancels slow drifts in
    # machine load that move both medians.
    paired = [
        100 * (t.wall / p.wall - 1) for p, t in zip(samples[False], samples[True], strict=True)
    ]
    paired_median = statistics.median(paired)
    quartiles = statistics.quantiles(paired, n=4) if len(paired) > 1 else [paired[0]] * 3
    # On a shared machine the fastest run of each is the one least disturbed by others.
    fastest = {key: min(s.wall for s in samples[key]) for key in (False, True)}
    min_overhead = 100 * (fastest[True] - fastest[False]) / fastest[False]
    conflicts = len(runtime["conflicts"])
    print()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print("| run | median wall (s) | min wall (s) | max wall (s) | median CPU (s) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, key in (("pytest", False), ("pytest --loopsafe", True)):
        walls = [s.wall for s in samples[key]]
        print(
            f"| {label} | {wall[key]:.3f} | {min(walls):.3f} | {max(walls):.3f} | {cpu[key]:.3f} |"
        )
    print(f"\nOverhead of --loopsafe (target < {TARGET_OVERHEAD:.0f} %):")
    print(f"  {overhead:+.1f} % median wall time")
    print(
        f"  {paired_median:+.1f} % median of the rounds' paired wall ratios "
        f"(quartiles {quartiles[0]:+.1f} / {quartiles[2]:+.1f} %)"
    )
    print(f"  {min_overhead:+.1f} % fastest wall time")
    print(f"  {cpu_overhead:+.1f} % median CPU time (user + system)")
    calls_overhead = None
    if calls:
        calls_overhead = 100 * (calls[True] - calls[False]) / calls[False]
        print(
            f"  {calls_overhead:+.1f} % Python function calls "
            f"({calls[False]:,} without, {calls[True]:,} with)"
        )
    print(f"{conflicts} swallowed conflicts recorded per traced run.")
    if args.json:
        document = {
            "tests": args.tests,
            "rounds": args.rounds,
            "wall": {
                "without": [s.wall for s in samples[False]],
                "with": [s.wall for s in samples[True]],
            },
            "cpu": {
                "without": [s.cpu for s in samples[False]],
                "with": [s.cpu for s in samples[True]],
            },
            "median_wall": {"without": wall[False], "with": wall[True]},
            "median_cpu": {"without": cpu[False], "with": cpu[True]},
            "overhead_percent": {
                "wall": overhead,
                "paired": paired_median,
                "fastest": min_overhead,
                "cpu": cpu_overhead,
                "calls": calls_overhead,
            },
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
