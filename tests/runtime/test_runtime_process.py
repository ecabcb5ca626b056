"""Whole-process behaviour of the runtime helper, each case in a fresh interpreter.

Ctrl-C (a real SIGINT, timed), clean shutdown at interpreter exit, the behaviour suite under
`-W error -X dev`, pytest-asyncio in auto and strict mode, and the cost of `import loopsafe`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runtime_helpers import DEV_RERUN, SRC, VENDORED_NAME, run_python

pytestmark = pytest.mark.skipif(DEV_RERUN, reason="already inside a subprocess run")

CTRL_C_WORK = """
import asyncio, sys, time, warnings
{import_line}
warnings.simplefilter("ignore", rt.RunningLoopWarning)

async def work():
    try:
        print("started", flush=True)
        await asyncio.sleep(30)
    finally:
        await asyncio.sleep(0.01)  # cleanup that awaits still runs
        print("finally", flush=True)
"""

CTRL_C_NO_LOOP = """
try:
    rt.run_sync(work())
except KeyboardInterrupt:
    print(f"interrupted {{time.monotonic():.6f}}", flush=True)
"""

CTRL_C_IN_LOOP = """
def sync_helper():
    return rt.run_sync(work(), allow_running_loop=True)

async def main():
    sync_helper()

try:
    asyncio.run(main())
except KeyboardInterrupt:
    print(f"interrupted {{time.monotonic():.6f}}", flush=True)
"""


@pytest.mark.parametrize("where", ["no-loop", "inside-a-loop"])
def test_ctrl_c_cancels_runs_finally_and_reraises_quickly(
    import_line: str, where: str, record_property: pytest.RecordProperty
) -> None:
    body = CTRL_C_NO_LOOP if where == "no-loop" else CTRL_C_IN_LOOP
    code = (CTRL_C_WORK + body).format(import_line=import_line)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.Popen(
        [sys.executable, "-W", "error", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.05)  # the coroutine is parked in its sleep
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
    finally:
        child.kill()
    lines = out.split()
    assert lines[:2] == ["finally", "interrupted"], (out, err)
    elapsed_ms = (float(lines[2]) - sent) * 1000
    record_property("ctrl_c_ms", round(elapsed_ms, 1))
    print(f"Ctrl-C ({where}) handled in {elapsed_ms:.1f} ms")
    assert elapsed_ms < 1000, f"Ctrl-C took {elapsed_ms:.0f} ms (target: 100 ms)"
    assert err == ""
    assert child.returncode == 0


EXIT_SCRIPT = """
import asyncio, time, warnings
{import_line}
warnings.simplefilter("ignore", rt.RunningLoopWarning)
kept = []

async def numbers(label):
    try:
        yield 1
        yield 2
    finally:
        print("closed", label, flush=True)

async def start(label):
    generator = numbers(label)
    kept.append(generator)  # still open at exit
    await generator.__anext__()
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0)

rt.run_sync(start("main-thread loop"))

async def main():
    rt.run_sync(start("background loop"), allow_running_loop=True)

asyncio.run(main())
print("exiting", flush=True)
"""


def test_interpreter_exit_closes_loops_cleanly(import_line: str) -> None:
    start = time.monotonic()
    result = run_python(
        EXIT_SCRIPT.format(import_line=import_line), flags=("-W", "error", "-X", "dev")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "exiting",
        "closed main-thread loop",
        "closed background loop",
    ]
    assert result.stderr == ""  # no ResourceWarning, no unclosed loop, no stray thread noise
    assert time.monotonic() - start < 20


@pytest.mark.slow
def test_behaviour_suite_is_quiet_under_dev_mode_and_warnings_as_errors(tmp_path: Path) -> None:
    """`python -W error -X dev`: any ResourceWarning, 'never awaited' coroutine or unclosed
    loop left by the helper fails this run. Its own minimal config keeps it independent of
    the project's pytest settings."""
    module = Path(__file__).with_name("test_runtime_behaviour.py")
    config = tmp_path / "pytest.ini"
    config.write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LOOPSAFE_RUNTIME_DEV_RERUN": "1", "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-X",
            "dev",
            "-m",
            "pytest",
            str(module),
            "-c",
            str(config),
            "--rootdir",
            str(module.parents[2]),
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=module.parents[2],
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "warning" not in result.stdout.lower()


PYTEST_ASYNCIO_TESTS = """
import asyncio, sys, warnings
import pytest, pytest_asyncio
import loopsafe.runtime as package
sys.path.insert(0, {vendored_dir!r})
import {vendored_name} as vendored

queues = {{package: asyncio.Queue(), vendored: asyncio.Queue()}}


@pytest.fixture(params=[package, vendored], ids=["package", "vendored"])
def rt(request):
    return request.param


async def value(x):
    await asyncio.sleep(0)
    return x


@pytest.fixture
def sync_fixture(rt):
    return rt.run_sync(value("from a sync fixture"))


@pytest_asyncio.fixture
async def async_fixture():
    yield await value("from an async fixture")


def test_sync_test(rt, sync_fixture):
    assert sync_fixture == "from a sync fixture"
    rt.run_sync(queues[rt].put(1))


{mark}
async def test_async_test_refuses(rt, async_fixture):
    assert async_fixture == "from an async fixture"
    with pytest.raises(RuntimeError, match="`await`"):
        rt.run_sync(value(1))
    assert await value(2) == 2


{mark}
async def test_async_test_with_allow_running_loop(rt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RunningLoopWarning)
        assert rt.run_sync(value(3), allow_running_loop=True) == 3


def test_sync_test_after_async_tests_reuses_its_loop(rt, sync_fixture):
    assert rt.run_sync(queues[rt].get()) == 1  # the queue bound in the first test still works
"""


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_works_under_pytest_asyncio(vendored_dir: Path, mode: str, tmp_path: Path) -> None:
    mark = "@pytest.mark.asyncio" if mode == "strict" else ""
    tests = PYTEST_ASYNCIO_TESTS.format(
        vendored_dir=str(vendored_dir), vendored_name=VENDORED_NAME, mark=mark
    )
    (tmp_path / "test_generated.py").write_text(tests, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [
        sys.executable,
        "-W",
        "error",
        "-X",
        "dev",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    result = subprocess.run(
        [*command, "-W", "error", "-p", "no:randomly"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "8 passed" in result.stdout


def _loaded_after(statement: str) -> list[str]:
    code = (
        f"import json, sys; {statement}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'loopsafe', 'libcst', 'click', 'rich', 'pathspec', 'asyncio'})))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return [m for m in loaded if m == "asyncio" or not m.startswith("asyncio.")]


def test_import_loopsafe_only_loads_the_runtime() -> None:
    # The helper is loaded on first use, so the analyser never pays for asyncio.
    assert _loaded_after("import loopsafe") == ["loopsafe"]
    assert _loaded_after("from loopsafe import run_sync") == [
        "asyncio",
        "loopsafe",
        "loopsafe.runtime",
        "loopsafe.runtime._core",
    ]
