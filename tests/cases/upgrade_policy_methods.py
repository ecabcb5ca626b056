# /// script
# requires-python = ">=3.9"
# ///
"""A method of the current policy: `new_event_loop()` and `set_event_loop()` have asyncio
functions doing exactly that (safe); `get_event_loop()` is the fetch rules' to rewrite,
and this call goes with it."""

import asyncio
from asyncio import get_event_loop_policy  # expect: LS403 module-level fix


def make_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.get_event_loop_policy().new_event_loop()  # expect: LS403 sync-wrapper fix; LS100 sync-wrapper ok
    get_event_loop_policy().set_event_loop(loop)  # expect: LS403 sync-wrapper fix
    return loop


def current_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_event_loop_policy().get_event_loop()  # expect: LS402 sync-wrapper fix; LS403 sync-wrapper fix
