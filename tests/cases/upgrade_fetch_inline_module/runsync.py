#!/usr/bin/env python3
"""A one-module library (`py_modules`) that does not depend on loopsafe: a helper copy
beside it would not be installed with it, so LS402's fix writes `current_loop()` into the
module itself."""

import asyncio
from typing import Any, Coroutine


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.get_event_loop().run_until_complete(coro)  # expect: LS402 sync-wrapper fix; LS104 sync-wrapper fix


def loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
