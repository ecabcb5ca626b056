"""The `current_loop()` copy LS402's fix writes into a module that cannot import the helper:
the same answers as the runtime's, on every Python installed here, under `-W error`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loopsafe.vendor import INLINE_CURRENT_LOOP, INLINE_CURRENT_LOOP_SOURCE

_PYENV = Path.home() / ".pyenv" / "versions"
# The fix is offered where the oldest Python a module supports is 3.7 or newer.
_PYTHONS = sorted(
    {
        sys.executable,
        *(
            str(path)
            for path in _PYENV.glob("3.*/bin/python3")
            if int(path.parts[-3].split(".")[1]) >= 7
        ),
    }
)

_CHECKS = f"""
import asyncio
import threading

current = {INLINE_CURRENT_LOOP}

# No loop set in the main thread: a new one, set as current, stable.
loop = current()
assert asyncio.get_event_loop_policy().get_event_loop() is loop
assert current() is loop

# Inside a running loop: the running loop, even when another one is set.
async def inside():
    return current() is asyncio.get_running_loop()

other = asyncio.new_event_loop()
assert other.run_until_complete(inside())
assert current() is loop
other.close()

# A loop set by the caller is returned as it is.
mine = asyncio.new_event_loop()
asyncio.set_event_loop(mine)
assert current() is mine

# A thread with no loop gets one of its own, set for that thread.
seen = []
def work():
    made = current()
    seen.append(made is not mine and current() is made)
    made.close()
worker = threading.Thread(target=work)
worker.start()
worker.join()
assert seen == [True], seen
mine.close()
loop.close()
print("ok")
"""


@pytest.mark.parametrize("python", _PYTHONS)
def test_inline_copy_behaves_like_current_loop(python: str) -> None:
    code = INLINE_CURRENT_LOOP_SOURCE + _CHECKS
    done = subprocess.run(
        [python, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr
