"""Guard form 3: an earlier statement of the same function returns or raises when a loop runs."""

import asyncio

from loopsafe import current_loop


def early_raise(coro):
    if asyncio._get_running_loop() is not None:
        coro.close()
        raise RuntimeError("use await")
    return asyncio.run(coro)  # expect: LS100 guarded ok


def early_raise_try_else(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("use await")
    return asyncio.run(coro)  # expect: LS100 guarded ok


def early_return_try_else(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return asyncio.ensure_future(coro)
    return asyncio.run(coro)  # expect: LS100 guarded ok


def early_return_is_running(coro):
    loop = current_loop()  # expect: LS402 sync-wrapper fix
    if loop.is_running():
        return asyncio.ensure_future(coro)
    return loop.run_until_complete(coro)  # expect: LS100 guarded ok
