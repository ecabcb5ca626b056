import asyncio

from ticker._loops import _running, loop_for_timers


class Clock:
    async def tick(self) -> float:
        await asyncio.sleep(0)
        return loop_for_timers().time()

    async def tock(self) -> float:
        return _running().time()
