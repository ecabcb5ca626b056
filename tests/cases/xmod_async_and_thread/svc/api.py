"""`build` runs in a thread from one route and in the loop from another: the loop path wins."""

import asyncio

from svc.report import build


async def offloaded() -> list[int]:
    return await asyncio.to_thread(build)


async def direct() -> list[int]:
    return build()
