"""A long-lived loop on a background thread, the usual sync-facade building block.

Decision: `target=loop.run_forever` passes a bound method as a value; only run-kind
functions (asyncio.run, Runner, anyio/trio/uvloop.run) are sites when used as values, so the
reference is no site.  The loop is returned, so its creation is accepted (LS100).
"""

import asyncio
import threading

def start_background_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    thread = threading.Thread(target=loop.run_forever, name="bg-loop", daemon=True)
    thread.start()
    return loop


def call(coro, loop: asyncio.AbstractEventLoop):
    # Sync code waiting on the background loop: no site (the wait rule is for coroutines).
    return asyncio.run_coroutine_threadsafe(coro, loop).result()
