"""One-off maintenance script: module level of a module no project module imports."""

import asyncio

from loopsafe import current_loop


async def migrate() -> None:
    await asyncio.sleep(0)


loop = asyncio.new_event_loop()  # expect: LS100 entrypoint ok
loop.run_until_complete(migrate())  # expect: LS100 entrypoint ok
loop.close()
asyncio.run(migrate())  # expect: LS100 entrypoint ok
print(current_loop())  # expect: LS402 entrypoint fix
