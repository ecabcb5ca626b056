"""asyncio APIs that neither enter, create, fetch nor patch a loop."""

import asyncio
from typing import TYPE_CHECKING

import uvloop

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

uvloop.install()  # expect: LS403 entrypoint fix
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # expect: LS403 entrypoint fix
POLICY = asyncio.get_event_loop_policy()  # expect: LS403 entrypoint fix


async def fan_out(coros: list) -> tuple[list, None]:
    loop: AbstractEventLoop = asyncio.get_running_loop()
    task = loop.create_task(asyncio.sleep(0))
    results = await asyncio.gather(*coros)
    await asyncio.wait_for(task, timeout=1)
    done = asyncio.ensure_future(asyncio.sleep(0))
    await done
    return results, task.result()


def schedule(coro, loop: "AbstractEventLoop"):
    return asyncio.run_coroutine_threadsafe(coro, loop)


def timer_loop() -> "AbstractEventLoop":
    return asyncio.get_running_loop()


if __name__ == "__main__":
    asyncio.run(fan_out([]))  # expect: LS100 entrypoint ok
