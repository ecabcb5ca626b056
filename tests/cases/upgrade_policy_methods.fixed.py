# /// script
# requires-python = ">=3.9"
# ///
"""A method of the current policy: `new_event_loop()` and `set_event_loop()` have asyncio
functions doing exactly that (safe); `get_event_loop()` is the fetch rules' to rewrite,
and this call goes with it."""

import asyncio

from loopsafe import current_loop as _loopsafe_current_loop


def make_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()  # expect: LS403 sync-wrapper fix; LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS403 sync-wrapper fix
    return loop


def current_loop() -> asyncio.AbstractEventLoop:
    return _loopsafe_current_loop()  # expect: LS402 sync-wrapper fix; LS403 sync-wrapper fix
