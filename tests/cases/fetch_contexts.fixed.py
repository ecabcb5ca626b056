"""`asyncio.get_event_loop()` in each context: coroutine, library, worker thread, after set_event_loop."""

import asyncio
import threading

from loopsafe import current_loop


async def handler() -> float:
    loop = asyncio.get_running_loop()  # expect: LS201 async-context fix
    return loop.time()


def library_default_loop() -> asyncio.AbstractEventLoop:
    return current_loop()  # expect: LS402 sync-wrapper fix


def poll_in_thread() -> float:
    # No loop is set in a worker thread: this raises there.
    loop = current_loop()  # expect: LS402 thread fix
    return loop.time()


def worker_thread_main() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 thread ok
    asyncio.set_event_loop(loop)  # expect: LS100 thread ok
    try:
        current = asyncio.get_event_loop()  # expect: LS100 thread ok
        current.run_until_complete(handler())  # expect: LS100 thread ok
    finally:
        loop.close()
        asyncio.set_event_loop(None)  # expect: LS100 thread ok


def start() -> None:
    threading.Thread(target=poll_in_thread).start()
    threading.Thread(target=worker_thread_main, daemon=True).start()


def set_through_the_policy() -> asyncio.AbstractEventLoop:
    # A loop set through the policy is set all the same.
    policy = asyncio.get_event_loop_policy()  # expect: LS403 sync-wrapper fix
    policy.set_event_loop(policy.new_event_loop())  # expect: LS100 sync-wrapper ok
    return asyncio.get_event_loop()  # expect: LS100 sync-wrapper ok


def fetch_from_a_policy(policy: asyncio.AbstractEventLoopPolicy) -> asyncio.AbstractEventLoop:
    # A value typed as a policy: its get_event_loop() is a fetch like the module's.
    return policy.get_event_loop()  # expect: LS402 sync-wrapper fix
