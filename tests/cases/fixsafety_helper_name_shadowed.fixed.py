"""Found on pytest-asyncio 0.23.8's tests (bench/fixproof.py): a function names a local
`current_loop`, so the helper its fix imports must be imported under another name, or the
call would read the local before it is assigned (UnboundLocalError)."""

from loopsafe import current_loop as _loopsafe_current_loop


def finalizer(callback):
    current_loop = _loopsafe_current_loop()  # expect: LS402 sync-wrapper fix; LS403 sync-wrapper fix
    current_loop.call_soon(callback)


def runner(run_sync, coro):
    loop = _loopsafe_current_loop()  # expect: LS402 sync-wrapper fix
    return run_sync(loop, coro)
