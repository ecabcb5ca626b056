# /// script
# requires-python = ">=3.11"
# ///
"""A script with its own Python range (PEP 723), outside both projects."""

import asyncio

from loopsafe import current_loop


async def poll() -> None:
    await asyncio.sleep(0)


loop = current_loop()  # expect: LS402 entrypoint fix
loop.run_until_complete(poll())  # expect: LS100 entrypoint ok
