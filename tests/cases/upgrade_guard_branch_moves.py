"""`get_event_loop()` in a `try` that catches RuntimeError. Up to 3.13 the main thread gets a
new loop, so the `except` branch never runs there; from 3.14 it raises and the branch runs.
Where the branch makes the loop 3.13 made, nothing changes; where it does something else,
the code behaves differently on upgrade (this script runs on 3.10 to 3.15)."""

import asyncio
import warnings


def loop_or_none():
    try:
        loop = asyncio.get_event_loop()  # expect: LS202 guarded review
    except RuntimeError:
        loop = None
    return loop


def loop_or_none_quietly():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.get_event_loop_policy().get_event_loop()  # expect: LS202 guarded review; LS403 sync-wrapper fix
    except RuntimeError:
        return None


def loop_or_new():
    try:
        loop = asyncio.get_event_loop()  # expect: LS100 guarded ok
    except RuntimeError:
        loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
        asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
    return loop


def checked_first():
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop()  # expect: LS100 guarded ok
    return None
