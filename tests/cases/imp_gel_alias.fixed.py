"""`from asyncio import get_event_loop as gel` and friends under other names."""

import asyncio
from asyncio import new_event_loop as make_loop
from asyncio import set_event_loop as install_loop

from loopsafe import current_loop


async def current_time() -> float:
    return asyncio.get_running_loop().time()  # expect: LS201 async-context fix


def legacy_loop():
    return current_loop()  # expect: LS402 sync-wrapper fix


def fresh_loop():
    loop = make_loop()  # expect: LS100 sync-wrapper ok
    install_loop(loop)  # expect: LS100 sync-wrapper ok
    return loop
