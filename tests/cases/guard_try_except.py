"""Guard form 1: the site sits in an `except RuntimeError` / `except Exception` / bare
`except` handler of a `try` whose body performs a running-loop check."""

import asyncio

import sniffio


def run_runtimeerror(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    raise RuntimeError("a loop is running; await the coroutine instead")


def run_exception(coro):
    try:
        asyncio.get_running_loop()
    except Exception:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    raise RuntimeError("a loop is running; await the coroutine instead")


def run_bare(coro):
    try:
        asyncio.current_task()
    except:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    raise RuntimeError("a loop is running; await the coroutine instead")


def run_sniffio(make_coro):
    try:
        sniffio.current_async_library()
    except RuntimeError:
        return asyncio.run(make_coro())  # expect: LS100 guarded ok
    raise RuntimeError("an async library is running; await instead")


def run_with_own_loop(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()  # expect: LS100 guarded ok
        try:
            return loop.run_until_complete(coro)  # expect: LS100 guarded ok
        finally:
            loop.close()
    raise RuntimeError("a loop is running; await the coroutine instead")


def fetch_unless_running_else() -> None:
    # The shape asgiref's AsyncToSync uses: the else branch raises when a loop runs.
    try:
        event_loop = asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if event_loop.is_running():
            raise RuntimeError("use await instead")
    asyncio.run(asyncio.sleep(0))  # expect: LS100 guarded ok
