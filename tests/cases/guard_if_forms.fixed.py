"""Guard form 2: the site is in the else branch of an `if` that says a loop is running, or in
the body of an `if` that says none is."""

import asyncio

from loopsafe import current_loop


def run_if_none(coro):
    if asyncio._get_running_loop() is None:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    raise RuntimeError("await it")


def run_else(coro):
    if asyncio._get_running_loop() is not None:
        raise RuntimeError("await it")
    else:
        return asyncio.run(coro)  # expect: LS100 guarded ok


def run_on_current(coro):
    loop = current_loop()  # expect: LS402 sync-wrapper fix
    if not loop.is_running():
        return loop.run_until_complete(coro)  # expect: LS100 guarded ok
    return asyncio.ensure_future(coro)


def run_else_is_running(loop: asyncio.AbstractEventLoop, coro):
    if loop.is_running():
        task = asyncio.ensure_future(coro, loop=loop)
    else:
        task = loop.run_until_complete(coro)  # expect: LS100 guarded ok
    return task


def run_none_after_try(coro):
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    return loop.create_task(coro)
