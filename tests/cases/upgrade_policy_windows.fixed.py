# /// script
# requires-python = ">=3.12"
# ///
"""The Windows selector (or proactor) policy under a platform check, then one run: the
check moves into the run's `loop_factory=` (the default loop elsewhere)."""

import asyncio
import os
import platform
import sys


async def fetch() -> None:
    await asyncio.sleep(0)


def run_selector() -> None:
    # aiohttp's client needs the selector loop on Windows
    asyncio.run(
        fetch(),
        loop_factory=asyncio.SelectorEventLoop if sys.platform == "win32" else None,
    )  # expect: LS100 entrypoint ok


def run_one_line() -> None:
    asyncio.run(
        fetch(),
        loop_factory=asyncio.ProactorEventLoop if os.name == "nt" else None,
    )  # expect: LS100 entrypoint ok


def run_startswith() -> None:
    asyncio.run(
        fetch(),
        loop_factory=asyncio.SelectorEventLoop if sys.platform.startswith("win") and platform.system() == "Windows" else None,
    )  # expect: LS100 entrypoint ok


def run_with_else() -> None:
    if sys.platform == "win32":
        asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # expect: LS403 entrypoint fix
    else:
        print("default loop")
    asyncio.run(fetch())  # expect: LS100 entrypoint ok


def run_after_a_call_in_the_test(ready) -> None:
    if ready() and sys.platform == "win32":
        asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # expect: LS403 entrypoint fix
    asyncio.run(fetch())  # expect: LS100 entrypoint ok


def restore_default() -> None:
    asyncio.set_event_loop_policy(None)  # expect: LS403 entrypoint fix
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())  # expect: LS403 entrypoint fix


if __name__ == "__main__":
    run_selector()
    run_one_line()
    run_startswith()
    run_with_else()
    run_after_a_call_in_the_test(lambda: True)
    restore_default()
