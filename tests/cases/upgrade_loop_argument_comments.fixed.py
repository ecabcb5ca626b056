# /// script
# requires-python = ">=3.10"
# ///
"""The fix drops `loop=` with the comment that ends the argument's own line, whatever
comes before it: no other argument inherits that comment. Comments on the other
arguments' lines, comment lines of their own, and a comment ending a line that `loop=`
shares with another argument stay."""

from __future__ import annotations

import asyncio


async def make(loop: asyncio.AbstractEventLoop) -> list[asyncio.Semaphore]:
    trailing_comma = asyncio.BoundedSemaphore(  # expect: LS406 async-context fix
        value=2,
    )
    no_comma = asyncio.Semaphore(  # expect: LS406 async-context fix
        value=2
    )
    own_line = asyncio.Semaphore(  # expect: LS406 async-context fix
        2,
        # more arguments to come
    )
    commented = asyncio.Semaphore(  # expect: LS406 async-context fix
        value=2,  # at most two at once
    )
    same_line = asyncio.Semaphore(  # expect: LS406 async-context fix
        2  # two, on the caller's loop
    )
    middle = asyncio.Condition(  # expect: LS406 async-context fix
        asyncio.Lock(),  # shared
    )
    async with middle:
        pass
    return [trailing_comma, no_comma, own_line, commented, same_line]
