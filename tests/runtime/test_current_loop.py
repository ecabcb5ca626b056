"""`current_loop()`: what `asyncio.get_event_loop()` gave before Python 3.14, on every
version, with no DeprecationWarning (LS402's fix calls it)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import warnings

from loopsafe import current_loop


def test_inside_a_running_loop_it_is_that_loop() -> None:
    async def main() -> bool:
        return current_loop() is asyncio.get_running_loop()

    assert asyncio.run(main())


def test_the_loop_set_for_the_thread_is_returned() -> None:
    def body() -> bool:
        mine = asyncio.new_event_loop()
        asyncio.set_event_loop(mine)
        try:
            return current_loop() is mine and current_loop() is mine
        finally:
            asyncio.set_event_loop(None)
            mine.close()

    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(body()))
    worker.start()
    worker.join()
    assert result == [True]


def test_with_no_loop_set_a_new_one_is_made_and_set_even_in_a_thread() -> None:
    def body() -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loop = current_loop()
        try:
            return current_loop() is loop and not loop.is_closed()
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(body()))
    worker.start()
    worker.join()
    assert result == [True]


def test_main_thread_without_a_loop_under_w_error() -> None:
    """A fresh interpreter, no loop set, every warning an error: as 3.13 without -W."""
    code = (
        "import asyncio\n"
        "from loopsafe import current_loop\n"
        "loop = current_loop()\n"
        "assert current_loop() is loop\n"
        "print(loop.run_until_complete(asyncio.sleep(0, 'ok')))\n"
        "loop.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr
