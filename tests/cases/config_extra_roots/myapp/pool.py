"""An in-house wrapper around the default executor."""

import asyncio


async def offload(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
