"""Found on pytest-asyncio 0.23.8's tests (bench/fixproof.py): a function names a local
`current_loop`, so the helper its fix imports must be imported under another name, or the
call would read the local before it is assigned (UnboundLocalError)."""

import asyncio


def finalizer(callback):
    current_loop = asyncio.get_event_loop_policy().get_event_loop()  # expect: LS402 sync-wrapper fix; LS403 sync-wrapper fix
    current_loop.call_soon(callback)


def runner(run_sync, coro):
    loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
    return run_sync(loop, coro)
