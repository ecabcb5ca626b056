"""`make demo`: loopsafe on the bundled example project, end to end.

1. `loopsafe check --show-ok examples/newsroom`: every site, with its category and action.
2. In a temporary copy (the original is never touched): the example's test suite, then
   `loopsafe fix --unsafe-fixes`, then the suite again, and the before/after counts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "newsroom"


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def run(args: list[str], cwd: Path, echo: bool = True) -> subprocess.CompletedProcess[str]:
    print(f"$ {' '.join(args)}", flush=True)
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if echo:
        print((proc.stdout + proc.stderr).rstrip(), flush=True)
    return proc


def suite(project: Path) -> tuple[int, int]:
    """(failed, passed) of the example's pytest suite."""
    proc = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, echo=False
    )
    lines = [line for line in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    last = lines[-1] if lines else proc.stdout.strip().splitlines()[-1]
    print(last, flush=True)
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|error)", last))
    passed = sum(int(n) for n in re.findall(r"(\d+) passed", last))
    return failed, passed


def main() -> int:
    loopsafe = str(Path(sys.executable).parent / "loopsafe")
    banner("1. every event-loop site of the example project")
    run([loopsafe, "check", "--show-ok", "--no-cache", str(EXAMPLE.relative_to(ROOT))], ROOT)
    with tempfile.TemporaryDirectory(prefix="loopsafe-demo-") as tmp:
        project = Path(tmp) / "newsroom"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
        banner(f"2. the example's own test suite, in a copy ({project})")
        before = suite(project)
        banner("3. loopsafe fix --unsafe-fixes")
        run([loopsafe, "fix", "--unsafe-fixes", "--no-cache", "."], project)
        banner("4. the test suite again")
        after = suite(project)
    banner("before / after")
    print(f"before the fixes: {before[0]} failing, {before[1]} passing")
    print(f"after the fixes:  {after[0]} failing, {after[1]} passing")
    print(f"(the original in {EXAMPLE.relative_to(ROOT)} is untouched)")
    return 0 if after[0] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
