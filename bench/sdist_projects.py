"""What the real-project benchmarks share: pinned sdists fetched once into a cache outside
the repository, a subprocess environment that cannot reach loopsafe, pip installs into a
project's own venv, per-test outcomes from pytest's JUnit XML."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

CACHE = Path.home() / ".cache" / "loopsafe-bench"


def fetch(name: str, requirement: str) -> Path:
    """The unpacked sdist `name` (`NAME==VER` is `requirement`), fetched on first use."""
    root = CACHE / "src" / name
    if root.is_dir():
        return root
    sdists = CACHE / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*pip, "-d", str(sdists), requirement], check=True)
    archive = next(sdists.glob(f"{name}.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE / "src", filter="data")
    return root


def project_env(extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The environment of a project's processes: nothing that could reach loopsafe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run(
    cmd: list[str], cwd: Path, timeout: float, extra: Mapping[str, str] = {}
) -> subprocess.CompletedProcess[str]:
    """`cmd` in the project's environment; a timeout is a result (-9), not an exception."""
    try:
        return subprocess.run(
            cmd, cwd=cwd, env=project_env(extra), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return subprocess.CompletedProcess(cmd, -9, out, f"timed out after {timeout:.0f}s")


def pip_install(python: Path, args: list[str], cwd: Path, extra: Mapping[str, str] = {}) -> None:
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = run([*pip, *args], cwd, 900, extra)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if not line.startswith("WARNING")]
        raise RuntimeError(f"pip install {' '.join(args)} failed: {' '.join(errors)[-600:]}")


def junit_outcomes(junit: Path) -> tuple[dict[str, str], dict[str, ET.Element]]:
    """Per test id: "passed", "skipped" or "failed" (the worst of its phases), and the
    first failure or error element of each failed test."""
    outcomes: dict[str, str] = {}
    failures: dict[str, ET.Element] = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    if not junit.is_file():
        return outcomes, failures
    for case in ET.parse(junit).getroot().iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        got = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                got = "failed"
                failures.setdefault(test, child)
            elif child.tag == "skipped" and got == "passed":
                got = "skipped"
        if rank[got] >= rank[outcomes.get(test, "passed")]:
            outcomes[test] = got
    return outcomes, failures


def summary_line(done: subprocess.CompletedProcess[str]) -> str:
    """pytest's closing line, without its timing."""
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    tail = re.sub(r" in [\d.]+s.*", "", lines[-1]) if lines else ""
    return tail.strip("= ")


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The project's files, to tell which ones a fix changed."""
    skip = ("__pycache__", ".egg-info", ".pytest_cache", ".hypothesis", *skip)
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not any(s in part for part in p.parts for s in skip)
    }


def log(name: str, step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {step}", file=sys.stderr, flush=True)
