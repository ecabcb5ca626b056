"""A fix to run_sync() leaves no loop behind: the loop made for one run, its `close()`,
`set_event_loop()` and reset go with it. A loop that outlives the run (run twice, asked
`is_closed()`, left current, kept on `self`) is the code's own: no fix."""

import asyncio

from loopsafe import run_sync


async def _job() -> int:
    return 1


def closed_in_finally() -> int:
    # a fresh loop for this call
    return run_sync(_job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def set_and_reset() -> int:
    try:
        result = run_sync(_job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix
    except ValueError:
        result = 0
    return result


def set_never_reset() -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
    return loop.run_until_complete(_job())  # expect: LS104 sync-wrapper fix


def twice() -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    a = loop.run_until_complete(_job())  # expect: LS104 sync-wrapper fix
    b = loop.run_until_complete(_job())  # expect: LS104 sync-wrapper fix
    loop.close()
    return a + b


def asks_closed() -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    r = loop.run_until_complete(_job())  # expect: LS104 sync-wrapper fix
    if not loop.is_closed():
        loop.close()
    return r


class Poller:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()  # expect: LS203 sync-wrapper review

    def poll(self) -> int:
        return self._loop.run_until_complete(_job())  # expect: LS104 sync-wrapper fix
