import asyncio


def run_blocking(coro):
    """Run `coro` to completion from sync code; refuse when a loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    coro.close()
    raise RuntimeError("run_blocking() called from async code; await the coroutine instead")
