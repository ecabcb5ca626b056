"""`import asyncio.runners` / `asyncio.runners.run` / `from asyncio.runners import run`."""

import asyncio.runners


async def job() -> None:
    await asyncio.sleep(0)


async def nested() -> None:
    await job()  # expect: LS101 async-context fix
    await job()  # expect: LS101 async-context fix


if __name__ == "__main__":
    asyncio.runners.run(job())  # expect: LS100 entrypoint ok
    asyncio.run(job())  # expect: LS100 entrypoint ok
