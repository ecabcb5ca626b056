"""Guard form 4: a fetch inside a `try` whose handler catches RuntimeError.

Only the fetch is guarded by this form: the creation and set in the fallback handler are
classified from the function's roots (uncalled, so sync-wrapper) and accepted (LS100)
because the loop is returned.
"""

import asyncio


def get_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_event_loop()  # expect: LS100 guarded ok
    except RuntimeError:
        loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
        asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
        return loop


def get_loop_two_steps() -> asyncio.AbstractEventLoop:
    try:
        loop = asyncio.get_event_loop()  # expect: LS100 guarded ok
    except RuntimeError:
        loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    return loop
