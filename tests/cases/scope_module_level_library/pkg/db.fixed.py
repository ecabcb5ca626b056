"""A library module that does loop work at import time."""

import asyncio

import nest_asyncio
from loopsafe import current_loop


async def _connect() -> str:
    return "conn"


nest_asyncio.apply()  # expect: LS204 module-level review
LOOP = current_loop()  # expect: LS402 module-level fix
BACKGROUND = asyncio.new_event_loop()  # expect: LS203 module-level review
CONNECTION = asyncio.run(_connect())  # expect: LS106 module-level review
LOOP.run_until_complete(_connect())  # expect: LS106 module-level review

if __name__ == "__main__":
    print(asyncio.run(_connect()))  # expect: LS100 entrypoint ok
