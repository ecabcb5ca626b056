"""`make demo`: loopsafe on the bundled example project, end to end.

1. `loopsafe check --show-ok examples/newsroom`: every site, with its category and action.
2. In a temporary copy (the original is never touched):
   the test suite under `pytest --loopsafe` (failures traced to the lines that caused them),
   `loopsafe fix --unsafe-fixes`, the suite again, and `loopsafe report` with both runs.
3. A short summary, and where the report is (build/demo/, kept after the copy is gone).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "newsroom"
OUT = ROOT / "build" / "demo"


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def run(args: list[str], cwd: Path, echo: bool = True) -> subprocess.CompletedProcess[str]:
    shown = [Path(a).name if a == sys.executable or a.endswith("/loopsafe") else a for a in args]
    print(f"$ {' '.join(shown)}", flush=True)
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if echo:
        print((proc.stdout + proc.stderr).rstrip(), flush=True)
    return proc


def suite(project: Path, save_as: Path) -> dict[str, int]:
    """Run the example's tests under `pytest --loopsafe`; keep its runtime.json."""
    proc = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--loopsafe"],
        project,
        echo=False,
    )
    lines = proc.stdout.splitlines()
    for line in lines:
        if line.startswith("Loop conflicts:") or re.search(r"\d+ (passed|failed)", line):
            print(line, flush=True)
    runtime = project / ".loopsafe" / "runtime.json"
    shutil.copy2(runtime, save_as)
    tests = json.loads(runtime.read_text(encoding="utf-8"))["tests"]
    return {k: int(v) for k, v in tests.items()}


def main() -> int:
    loopsafe = str(Path(sys.executable).parent / "loopsafe")
    OUT.mkdir(parents=True, exist_ok=True)
    banner("1. every event-loop site of the example project")
    run([loopsafe, "check", "--show-ok", "--no-cache", str(EXAMPLE.relative_to(ROOT))], ROOT)
    with tempfile.TemporaryDirectory(prefix="loopsafe-demo-") as tmp:
        project = Path(tmp) / "newsroom"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
        banner(f"2. the example's test suite under pytest --loopsafe, in a copy ({project})")
        before = suite(project, OUT / "runtime-before.json")
        banner("3. loopsafe fix --unsafe-fixes")
        run([loopsafe, "fix", "--unsafe-fixes", "--no-cache", "."], project)
        banner("4. the test suite again")
        after = suite(project, OUT / "runtime-after.json")
        banner("5. loopsafe report")
        # The report judges the code as it was: build it from a pristine copy plus both runs.
        pristine = Path(tmp) / "original" / "newsroom"
        shutil.copytree(EXAMPLE, pristine, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
        report = OUT / "newsroom-report.md"
        run(
            [
                loopsafe,
                "report",
                ".",
                "--before",
                str(OUT / "runtime-before.json"),
                "--after",
                str(OUT / "runtime-after.json"),
                "-o",
                str(report),
            ],
            pristine,
        )
    banner("summary")
    print(
        f"before the fixes: {before['failed']} of {before['total']} tests failing, "
        f"{before['failed_by_loop_conflict']} of them from loop conflicts"
    )
    print(
        f"after the fixes:  {after['failed']} of {after['total']} tests failing, "
        f"{after['failed_by_loop_conflict']} of them from loop conflicts"
    )
    print(f"report: {report.relative_to(ROOT)}")
    print(f"(the original in {EXAMPLE.relative_to(ROOT)} is untouched)")
    return 0 if after["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
