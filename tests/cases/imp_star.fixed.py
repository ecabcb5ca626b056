"""`from asyncio import *`: run, get_event_loop and new_event_loop come from asyncio."""

import asyncio
from asyncio import *


async def tick() -> None:
    await sleep(0)


async def restart() -> None:
    await tick()  # expect: LS101 async-context fix
    asyncio.get_running_loop()  # expect: LS201 async-context fix


def make_loop():
    loop = new_event_loop()  # expect: LS203 entrypoint review
    loop.set_debug(True)


if __name__ == "__main__":
    run(tick())  # expect: LS100 entrypoint ok
    make_loop()
