"""Re-entrant mode, each case in a fresh interpreter: Ctrl-C (a real SIGINT), the in-process
suite under `-W error -X dev`, and life without greenlet (blocked at import), for the
package and the vendored copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runtime_helpers import DEV_RERUN, SRC, run_python

pytestmark = pytest.mark.skipif(DEV_RERUN, reason="already inside a subprocess run")

CTRL_C = """
import asyncio, sys, time
{import_line}

async def work():
    try:
        print("started", flush=True)
        await asyncio.sleep(30)
    finally:
        await asyncio.sleep(0.01)  # cleanup that awaits still runs
        print("finally", flush=True)

def sync_helper():
    return rt.run_sync(work(), allow_running_loop=True)

async def reentrant_main():
    assert rt.is_reentrant()
    sync_helper()

async def plain_main():
    await work()

try:
    if sys.argv[1] == "loopsafe.run":
        rt.run(reentrant_main())
    else:
        asyncio.run(plain_main())
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def _interrupt(code: str, runner: str) -> tuple[str, str, int, float]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.Popen(
        [sys.executable, "-W", "error", "-c", code, runner],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.05)  # parked in its sleep
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
        elapsed = time.monotonic() - sent
    finally:
        child.kill()
    return out, err, child.returncode, elapsed


def test_ctrl_c_behaves_as_under_asyncio_run(import_line: str) -> None:
    """asyncio.run answers Ctrl-C by cancelling the main task, letting it clean up, then
    raising KeyboardInterrupt; so does loopsafe.run, through a re-entrant call."""
    code = CTRL_C.format(import_line=import_line)
    expected = _interrupt(code, "asyncio.run")
    got = _interrupt(code, "loopsafe.run")
    assert expected[:3] == ("finally\ninterrupted\n", "", 0)
    assert got[:3] == expected[:3]
    assert got[3] < 5


@pytest.mark.slow
def test_reentrant_suite_is_quiet_under_dev_mode_and_warnings_as_errors(tmp_path: Path) -> None:
    """`python -W error -X dev` (asyncio debug mode): any ResourceWarning, 'never awaited'
    coroutine, unclosed loop or stray warning from re-entrant mode fails this run."""
    module = Path(__file__).with_name("test_reentrant_behaviour.py")
    config = tmp_path / "pytest.ini"
    config.write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LOOPSAFE_RUNTIME_DEV_RERUN": "1", "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [
            *(sys.executable, "-W", "error", "-X", "dev", "-m", "pytest", str(module)),
            *("-c", str(config), "--rootdir", str(module.parents[2])),
            *("-q", "-p", "no:cacheprovider", "-W", "error"),
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


BLOCK_GREENLET = """
import sys

class BlockGreenlet:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "greenlet":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, BlockGreenlet())
"""

WITHOUT_GREENLET = """
import asyncio, warnings
{import_line}

def sync_helper():
    return rt.run_sync(asyncio.sleep(0.01, "via the thread path"), allow_running_loop=True)

async def main():
    assert rt.enable_reentry() is False
    assert rt.is_reentrant() is False
    return [sync_helper() for _ in range(3)]

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(rt.run(main()))
    print(rt.run_sync(asyncio.sleep(0, "no loop running")))
found = [w for w in caught if w.category is rt.RunningLoopWarning]
print(len(caught), len(found))
print(found[0].message)
print("greenlet" in sys.modules)
"""


def test_without_greenlet_run_is_asyncio_run_and_run_sync_says_why(import_line: str) -> None:
    code = BLOCK_GREENLET + WITHOUT_GREENLET.format(import_line=import_line)
    result = run_python(code, flags=("-W", "error", "-X", "dev"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(["via the thread path"] * 3)
    assert lines[1] == "no loop running"
    assert lines[2] == "1 1"  # one warning for the one call site, nothing else
    assert "needs greenlet, which is not installed" in lines[3]
    assert "pip install 'loopsafe[reentrant]'" in lines[3]
    assert "loopsafe.run()" in lines[3]
    assert lines[4] == "False"
    assert result.stderr == ""


def test_the_default_helper_never_imports_greenlet(import_line: str) -> None:
    code = (
        f"import asyncio, sys\n{import_line}\n"
        "async def main():\n"
        "    return rt.run_sync(asyncio.sleep(0, 'ok'), allow_running_loop=True)\n"
        "import warnings; warnings.simplefilter('ignore')\n"
        "print(rt.run_sync(asyncio.sleep(0, 'ok')), asyncio.run(main()), "
        "'greenlet' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "ok", "False"]


def test_loopsafe_run_is_a_drop_in_for_asyncio_run() -> None:
    code = """
import asyncio, sys
import loopsafe

async def main(x):
    return x * 2, loopsafe.is_reentrant(), asyncio.get_running_loop().get_debug()

print(loopsafe.run(main(21), debug=True))
print(asyncio.get_event_loop_policy()._local._loop)  # unset again, as asyncio.run leaves it

async def nested():
    coro = main(1)
    try:
        loopsafe.run(coro)
    except RuntimeError as exc:
        return str(exc)

print(loopsafe.run(nested()))
try:
    loopsafe.run(lambda: None)
except ValueError as exc:
    print("ValueError", exc)
"""
    result = run_python(code, flags=("-W", "error", "-X", "dev"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "(42, True, True)"
    assert lines[1] == "None"
    assert lines[2] == "loopsafe.run() cannot be called from a running event loop"
    assert lines[3].startswith("ValueError a coroutine was expected")
    assert result.stderr == ""  # the refused coroutine was closed: no "never awaited"
