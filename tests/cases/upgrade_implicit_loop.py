"""asyncio.Future(), ensure_future() and wrap_future() without `loop=` ask get_event_loop()
where no loop runs: up to 3.13 the main thread got a new loop (3.12 and 3.13 warn), from
3.14 they raise. Inside coroutines, after a loop is set, or with `loop=`, they are fine."""

import asyncio
import concurrent.futures
from asyncio import ensure_future


async def job() -> int:
    return 1


def pending():
    return asyncio.Future()  # expect: LS407 sync-wrapper fix


def start(coro):
    return ensure_future(coro)  # expect: LS407 sync-wrapper fix


def wrapped(work: concurrent.futures.Future):
    return asyncio.wrap_future(  # expect: LS407 sync-wrapper fix
        work,
    )


def with_a_loop(loop: asyncio.AbstractEventLoop):
    return asyncio.Future(loop=loop)


def after_fetch():
    loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
    done = asyncio.Future()
    return loop.run_until_complete(done)  # expect: LS104 sync-wrapper fix


def after_set():
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
    return asyncio.ensure_future(job())


async def in_a_coroutine():
    return await asyncio.ensure_future(job())


def _only_coroutines_call() -> asyncio.Future:
    return asyncio.Future()


async def caller():
    return await _only_coroutines_call()


def handed_on():
    return [asyncio.ensure_future]


def _loop_for_thread():
    try:
        return asyncio.get_event_loop()  # expect: LS100 guarded ok
    except RuntimeError:
        loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
        asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
        return loop


def after_a_helper_sets_one(coro):
    loop = _loop_for_thread()
    task = asyncio.ensure_future(coro)
    return loop.run_until_complete(task)  # expect: LS104 sync-wrapper fix


def hands_back_a_loop_future(loop: asyncio.AbstractEventLoop, work):
    return asyncio.ensure_future(loop.run_in_executor(None, work))
