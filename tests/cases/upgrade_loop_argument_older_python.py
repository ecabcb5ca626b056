# /// script
# requires-python = ">=3.8"
# ///
"""`loop=` in a project that still supports Python 3.8 and 3.9: there the argument picks
the loop the call uses, so dropping it is unsafe, unless the loop passed is the one the
call uses anyway (`None`, the running loop for a lock or an awaited coroutine). Code that
only runs before 3.10 is a compatibility shim."""

from __future__ import annotations

import asyncio
import sys


async def pause(loop: asyncio.AbstractEventLoop) -> None:
    await asyncio.sleep(0, loop=loop)  # expect: LS406 async-context fix
    await asyncio.sleep(0, loop=None)  # expect: LS406 async-context fix
    await asyncio.sleep(0, loop=asyncio.get_running_loop())  # expect: LS406 async-context fix
    later = asyncio.ensure_future(asyncio.sleep(0, loop=asyncio.get_running_loop()))  # expect: LS406 async-context fix
    await later


async def guarded(items: list[int]) -> asyncio.Lock:
    lock = asyncio.Lock(loop=asyncio.get_event_loop())  # expect: LS406 async-context fix; LS201 async-context fix
    queue: asyncio.Queue[int] = asyncio.Queue(loop=asyncio.get_running_loop())  # expect: LS406 async-context fix
    for item in items:
        queue.put_nowait(item)
    await asyncio.gather(*(asyncio.sleep(0) for _ in items), loop=asyncio.get_running_loop())  # expect: LS406 async-context fix
    return lock


def make_lock(loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
    return asyncio.Lock(loop=loop)  # expect: LS406 sync-wrapper fix


def make_queue() -> asyncio.Queue:
    return asyncio.Queue(loop=asyncio.get_event_loop())  # expect: LS406 sync-wrapper fix; LS402 sync-wrapper fix


async def compatible(loop: asyncio.AbstractEventLoop) -> None:
    if sys.version_info < (3, 10):
        await asyncio.sleep(0, loop=loop)  # expect: LS100 async-context ok
    else:
        await asyncio.sleep(0)


if sys.version_info >= (3, 10):

    def new_event(loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        return asyncio.Event()

else:

    def new_event(loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        return asyncio.Event(loop=loop)  # expect: LS100 sync-wrapper ok


def lock_for(loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
    try:
        return asyncio.Lock(loop=loop)  # expect: LS100 sync-wrapper ok
    except (TypeError, ValueError):  # Python 3.10 took the argument away
        return asyncio.Lock()


async def swallowed(loop: asyncio.AbstractEventLoop) -> None:
    try:
        await asyncio.sleep(0, loop=loop)  # expect: LS406 async-context fix
    except Exception:  # hides the TypeError: no shim
        pass


class LoopArgumentTest:
    def assertRaises(self, expected: type[BaseException]) -> object: ...

    def test_removed(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.assertRaises(TypeError):
            asyncio.Queue(loop=loop)  # expect: LS100 sync-wrapper ok
