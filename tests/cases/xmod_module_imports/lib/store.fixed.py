import asyncio


async def _write(rows: list[int]) -> int:
    return len(rows)


async def save(rows: list[int]) -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 reachable-from-async ok
    try:
        return await _write(rows)  # expect: LS103 reachable-from-async fix path=app.jobs:persist>lib.store:save
    finally:
        loop.close()
