"""Run the runtime helper's tests (tests/runtime) on every Python 3.10+ interpreter found.

    python scripts/runtime_matrix.py [--python PATH ...] [--cache DIR] [--minors 10,11,12,13,14]

For each interpreter (python3.X on PATH, else under pyenv's versions directory, plus any
--python), a virtualenv with the test dependencies is kept in a cache directory outside the
repository (default: ~/.cache/loopsafe-runtime-matrix), and the tests run twice from the
repository root against its src/ (PYTHONPATH, no install): plainly, and under
`-X dev -W error`. One line per interpreter; the exit status is non-zero if any run failed or
no interpreter was found. Not part of `make test`: it takes a few minutes per version.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = "tests/runtime"
REQUIREMENTS = ["pytest", "pytest-asyncio", "pytest-timeout", "hypothesis"]
REQUIREMENTS_BEFORE_311 = ["tomli"]  # tests/runtime/test_runtime_vendor.py reads pyproject.toml
MODES = {"normal": [], "-X dev -W error": ["-X", "dev", "-W", "error"]}
RUN_TIMEOUT = 1800  # seconds for one pytest run


@dataclass
class Interpreter:
    path: str
    version: tuple[int, int, int]

    @property
    def label(self) -> str:
        return ".".join(map(str, self.version))


def probe(path: str) -> Interpreter | None:
    """The interpreter at ``path`` if it runs (a pyenv shim for an inactive version does not)."""
    try:
        result = subprocess.run(
            [path, "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    major, minor, micro = map(int, result.stdout.split())
    return Interpreter(path, (major, minor, micro))


def pyenv_candidates(minor: int) -> list[str]:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(root.glob(f"3.{minor}.*/bin/python3.{minor}"), reverse=True)
    return [str(path) for path in found]


def discover(minors: list[int], extra: list[str]) -> list[Interpreter]:
    interpreters: dict[tuple[int, int], Interpreter] = {}
    for path in extra:
        interpreter = probe(path)
        if interpreter is None:
            print(f"--python {path}: does not run", file=sys.stderr)
            continue
        interpreters[interpreter.version[:2]] = interpreter
    for minor in minors:
        if (3, minor) in interpreters:
            continue
        on_path = shutil.which(f"python3.{minor}")
        for path in ([on_path] if on_path else []) + pyenv_candidates(minor):
            interpreter = probe(path)
            if interpreter is not None and interpreter.version[:2] == (3, minor):
                interpreters[(3, minor)] = interpreter
                break
    return [interpreters[key] for key in sorted(interpreters)]


def ensure_venv(interpreter: Interpreter, cache: Path) -> Path:
    """A virtualenv for ``interpreter`` with the test dependencies; reused while they match."""
    requirements = REQUIREMENTS + (REQUIREMENTS_BEFORE_311 if interpreter.version < (3, 11) else [])
    key = hashlib.sha256("\n".join([interpreter.path, *requirements]).encode()).hexdigest()[:12]
    venv = cache / f"py{interpreter.label}-{key}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([interpreter.path, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *requirements], check=True)
    stamp.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    return python


SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


def run_tests(python: Path, flags: list[str]) -> tuple[dict[str, int], int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("PYTHONDEVMODE", None)
    try:
        result = subprocess.run(
            [str(python), *flags, "-m", "pytest", "-q", "-p", "no:cacheprovider", TESTS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return {}, -1, f"timed out after {exc.timeout} s"
    lines = result.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    counts: dict[str, int] = {}
    for number, word in SUMMARY.findall(last):
        word = "errors" if word.startswith("error") else word
        counts[word] = counts.get(word, 0) + int(number)
    failures = result.stdout.find("= FAILURES =")
    shown = result.stdout[failures:][:20000] if failures >= 0 else result.stdout[-3000:]
    return counts, result.returncode, shown + result.stderr[-2000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append", default=[], help="also test this one")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "loopsafe-runtime-matrix",
    )
    parser.add_argument("--minors", default="10,11,12,13,14", help="3.X versions to look for")
    parser.add_argument("-v", "--verbose", action="store_true", help="show failing output")
    args = parser.parse_args()
    if ROOT in args.cache.resolve().parents or args.cache.resolve() == ROOT:
        parser.error("the cache directory must be outside the repository")
    interpreters = discover([int(m) for m in args.minors.split(",")], args.python)
    if not interpreters:
        print("no Python 3.10+ interpreter found", file=sys.stderr)
        return 1
    failed = False
    for interpreter in interpreters:
        python = ensure_venv(interpreter, args.cache)
        parts = []
        for mode, flags in MODES.items():
            counts, code, output = run_tests(python, flags)
            ok = code == 0 and counts.get("passed", 0) > 0
            failed |= not ok
            summary = ", ".join(
                f"{counts.get(word, 0)} {word}" for word in ("passed", "failed", "errors")
            )
            if counts.get("skipped"):
                summary += f", {counts['skipped']} skipped"
            parts.append(f"{mode}: {summary}{'' if ok else f' FAIL (exit {code})'}")
            if not ok and args.verbose:
                print(output, file=sys.stderr)
        print(f"Python {interpreter.label:8} " + " | ".join(parts), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
