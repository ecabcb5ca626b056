"""asyncio's child watchers, in every form a project sets one up: deprecated in 3.12, gone
in 3.14. Installing a new threaded watcher is what asyncio does by itself since 3.8
(safe to delete); other watchers change how children are reaped (unsafe); the rest is
for a person."""

import asyncio
import asyncio.unix_events
import sys


def use_threads() -> None:
    # Subprocesses from any thread's loop.
    pass


def use_threads_imported() -> None:
    print("watcher set")


def use_policy(loop: asyncio.AbstractEventLoop) -> None:
    policy = asyncio.get_event_loop_policy()  # expect: LS403 sync-wrapper fix


def one_liners(flag: bool) -> None:
    if flag: pass  # expect: LS404 sync-wrapper fix
    print("set")  # expect: LS404 sync-wrapper fix
    done = [asyncio.set_child_watcher(asyncio.ThreadedChildWatcher())]  # expect: LS404 sync-wrapper fix
    print(done)


def reap_everything() -> None:
    pass


# An annotation is not evaluated when the def runs from 3.14 (nor ever under the
# `__future__` import): it is no site.
def kept(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractChildWatcher:
    watcher = asyncio.SafeChildWatcher()  # expect: LS404 sync-wrapper fix
    watcher.attach_loop(loop)
    asyncio.set_child_watcher(watcher)  # expect: LS404 sync-wrapper fix
    return asyncio.get_child_watcher()  # expect: LS404 sync-wrapper fix


async def spawn(*argv: str) -> int:
    watcher = asyncio.get_child_watcher()  # expect: LS404 async-context fix
    with watcher:
        process = await asyncio.create_subprocess_exec(*argv)
        return await process.wait()


class Watcher(asyncio.AbstractChildWatcher):  # expect: LS404 module-level fix
    pass


if sys.platform != "win32":
    pass

# Compatibility shims: code that only runs where the API exists is accepted.
if sys.version_info < (3, 12):
    asyncio.set_child_watcher(asyncio.ThreadedChildWatcher())  # expect: LS100 module-level ok
    OLD = asyncio.SafeChildWatcher  # expect: LS100 module-level ok


def feature_checked() -> None:
    if hasattr(asyncio, "set_child_watcher"):  # warns on 3.12 and 3.13, gone in 3.14
        asyncio.set_child_watcher(asyncio.ThreadedChildWatcher())  # expect: LS100 sync-wrapper ok


def pidfd_watcher():
    try:
        from asyncio import PidfdChildWatcher  # expect: LS100 sync-wrapper ok
    except ImportError:
        return None
    else:
        return PidfdChildWatcher  # expect: LS100 sync-wrapper ok


if sys.version_info >= (3, 8):  # still runs on 3.14
    pass


def not_a_watcher() -> None:
    asyncio.get_event_loop_policy().get_event_loop  # expect: LS403 sync-wrapper fix
