"""Look-alikes that are NOT guards: every site here keeps its ordinary category."""

import asyncio

from loopsafe import current_loop, run_sync


def validate(obj: object) -> None:
    if obj is None:
        raise ValueError("nothing to run")


def wrong_exception(coro):
    try:
        asyncio.get_running_loop()
    except ValueError:
        return run_sync(coro, fresh_loop=True)  # expect: LS104 sync-wrapper fix
    raise RuntimeError("await it")


def try_around_other_code(coro):
    try:
        validate(coro)
    except RuntimeError:
        return run_sync(coro, fresh_loop=True)  # expect: LS104 sync-wrapper fix
    return None


def site_in_try_body(coro):
    try:
        return run_sync(coro, fresh_loop=True)  # expect: LS104 sync-wrapper fix
    except RuntimeError:
        return None


def inverted_check(coro):
    if asyncio._get_running_loop() is not None:
        return run_sync(coro, fresh_loop=True)  # expect: LS104 sync-wrapper fix
    return None


def ensure_no_loop() -> None:
    if asyncio._get_running_loop() is not None:
        raise RuntimeError("no")


def check_in_other_function(coro):
    ensure_no_loop()
    return run_sync(coro, fresh_loop=True)  # expect: LS104 sync-wrapper fix


def late_check(coro):
    result = run_sync(coro, fresh_loop=True)  # expect: LS104 sync-wrapper fix
    if asyncio._get_running_loop() is not None:
        raise RuntimeError("too late")
    return result


def fetch_wrong_handler():
    try:
        return current_loop()  # expect: LS402 sync-wrapper fix
    except ValueError:
        return None


async def guarded_in_coroutine(coro):
    # Lexically inside `async def`: no guard can make this right.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return await coro  # expect: LS101 async-context fix
    return await coro
