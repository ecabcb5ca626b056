# /// script
# requires-python = ">=3.12"
# ///
"""uvloop's set-up imported by name: the fix names the module, imports it, and the import
of the deprecated name goes once nothing uses it."""

import asyncio

import uvloop


async def work() -> None:
    await asyncio.sleep(0)


if __name__ == "__main__":
    # uvloop makes the loop
    asyncio.run(work(), loop_factory=uvloop.new_event_loop)  # expect: LS100 entrypoint ok
