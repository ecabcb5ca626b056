"""A library module that does loop work at import time."""

import asyncio
import warnings

import nest_asyncio


async def _connect() -> str:
    return "conn"


nest_asyncio.apply()  # expect: LS204 module-level review
with warnings.catch_warnings():  # no loop set: 3.12-3.13 warn, 3.14+ raise
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        LOOP = asyncio.get_event_loop()  # expect: LS402 module-level fix
    except RuntimeError:
        LOOP = asyncio.new_event_loop()
        asyncio.set_event_loop(LOOP)
BACKGROUND = asyncio.new_event_loop()  # expect: LS203 module-level review
CONNECTION = asyncio.run(_connect())  # expect: LS106 module-level review
LOOP.run_until_complete(_connect())  # expect: LS106 module-level review

if __name__ == "__main__":
    print(asyncio.run(_connect()))  # expect: LS100 entrypoint ok
