# /// script
# requires-python = ">=3.12"
# ///
"""uvloop's set-up imported by name: the fix names the module, imports it, and the import
of the deprecated name goes once nothing uses it."""

import asyncio
from uvloop import install  # expect: LS403 entrypoint fix


async def work() -> None:
    await asyncio.sleep(0)


if __name__ == "__main__":
    # uvloop makes the loop
    install()  # expect: LS403 entrypoint fix
    asyncio.run(work())  # expect: LS100 entrypoint ok
