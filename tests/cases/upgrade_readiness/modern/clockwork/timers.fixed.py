"""Requires 3.12 and admits every later Python: judged on 3.15, the newest released."""

import asyncio
import inspect

from loopsafe import current_loop


class Timer:
    def __init__(self) -> None:
        self.loop = current_loop()  # expect: LS402 sync-wrapper fix


def is_async(func: object) -> bool:
    return inspect.iscoroutinefunction(func)  # expect: LS401 sync-wrapper fix


def checks() -> list[object]:
    return [asyncio.iscoroutinefunction]  # expect: LS401 sync-wrapper fix


def shim(func: object) -> bool:
    if not hasattr(asyncio, "Runner"):  # before 3.11: a shim, accepted and not counted
        return asyncio.iscoroutinefunction(func)  # expect: LS100 sync-wrapper ok
    return False


async def tick() -> None:
    later()


def later() -> None:
    current_loop().call_soon(print)  # expect: LS402 reachable-from-async fix


def guarded() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_event_loop()  # expect: LS100 guarded ok
    except RuntimeError:
        return asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
