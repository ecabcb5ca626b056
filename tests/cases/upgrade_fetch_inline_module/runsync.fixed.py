#!/usr/bin/env python3
"""A one-module library (`py_modules`) that does not depend on loopsafe: a helper copy
beside it would not be installed with it, so LS402's fix writes `current_loop()` into the
module itself."""

import asyncio
from typing import Any, Coroutine


def _loopsafe_current_loop():
    """The loop `asyncio.get_event_loop()` gave before Python 3.14, on every version
    (written by loopsafe): the running loop, else the loop set for this thread, else a
    new loop set as the thread's current one, without 3.12's DeprecationWarning."""
    import asyncio
    import sys
    import warnings

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    try:
        if not (3, 12) <= sys.version_info < (3, 14):
            return asyncio.get_event_loop()
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            return asyncio.get_event_loop()
    except (RuntimeError, DeprecationWarning):
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return _loopsafe_current_loop().run_until_complete(coro)  # expect: LS402 sync-wrapper fix; LS104 sync-wrapper fix


def loop() -> asyncio.AbstractEventLoop:
    return _loopsafe_current_loop()  # expect: LS402 sync-wrapper fix
