"""Helpers shared by the runtime helper tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

VENDORED_NAME = "loopsafe_vendored_helper"
SRC = Path(__file__).resolve().parents[2] / "src"
# Set in the `-W error -X dev` re-run of the behaviour module, so it does not recurse.
DEV_RERUN = os.environ.get("LOOPSAFE_RUNTIME_DEV_RERUN") == "1"


@contextlib.contextmanager
def quiet(rt: ModuleType) -> Iterator[None]:
    """Silence the once-per-call-site RunningLoopWarning (tested on its own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RunningLoopWarning)
        yield


def run_python(
    code: str, *args: str, timeout: float = 60, flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, *flags, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
