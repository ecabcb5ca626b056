"""Benchmark: loopsafe (cold and warm) against ruff's ASYNC rules on the standard library.

Both tools scan the same copy of the running interpreter's standard library (about 1,800
files), interleaved, several rounds; we report the median wall time, the peak resident
memory of the whole process tree, and the ratios. Run with `make bench` or
`python bench/scan.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = {"cold wall": 1.0, "warm": 0.15, "peak MB": 150.0}


def _copy_stdlib(dest: Path) -> int:
    source = Path(sysconfig.get_paths()["stdlib"])
    ignore = shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc")
    shutil.copytree(source, dest, ignore=ignore, symlinks=True)
    return sum(1 for _ in dest.rglob("*.py"))


def _measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the command and the children it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        err = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {err.strip()}")
    if process.stderr:
        process.stderr.close()
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    if ruff is None:
        raise SystemExit("ruff is not installed (pip install ruff)")
    # An installed package has its bytecode; an editable checkout under
    # PYTHONDONTWRITEBYTECODE would recompile loopsafe on every run and time that instead.
    import loopsafe as package

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    loopsafe = [str(BIN / "loopsafe"), "check", ".", "--exit-zero"]
    ruff_cmd = [ruff, "check", "--no-cache", "--select", "ASYNC", "--exit-zero", "-q", "."]
    with tempfile.TemporaryDirectory(prefix="loopsafe-bench-") as tmp:
        tree = Path(tmp) / "stdlib"
        files = _copy_stdlib(tree)
        cache = tree / ".loopsafe_cache"
        results: dict[str, list[tuple[float, float]]] = {"ruff": [], "cold": [], "warm": []}
        _measure(ruff_cmd, tree)  # warm the page cache for both tools
        for _ in range(args.rounds):
            results["ruff"].append(_measure(ruff_cmd, tree))
            shutil.rmtree(cache, ignore_errors=True)
            results["cold"].append(_measure(loopsafe, tree))
            results["warm"].append(_measure(loopsafe, tree))
    wall = {k: statistics.median(w for w, _ in v) for k, v in results.items()}
    peak = {k: max(m for _, m in v) for k, v in results.items()}
    print(
        f"Standard library of Python {sys.version.split()[0]}: {files} files, "
        f"{args.rounds} rounds, median wall time, {os.cpu_count()} CPUs"
    )
    print()
    print("| run | wall (s) | peak memory (MB) | vs ruff |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| ruff check --no-cache --select ASYNC | {wall['ruff']:.3f} | {peak['ruff']:.0f} | 1.00x |"
    )
    for name in ("cold", "warm"):
        ratio = wall[name] / wall["ruff"]
        print(f"| loopsafe check ({name}) | {wall[name]:.3f} | {peak[name]:.0f} | {ratio:.2f}x |")
    print()
    checks = [
        ("cold wall <= 1.0x ruff", wall["cold"] / wall["ruff"] <= TARGETS["cold wall"]),
        ("warm <= 0.15 s", wall["warm"] <= TARGETS["warm"]),
        ("peak memory <= 150 MB", max(peak["cold"], peak["warm"]) <= TARGETS["peak MB"]),
    ]
    for label, ok in checks:
        print(f"target {label}: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
