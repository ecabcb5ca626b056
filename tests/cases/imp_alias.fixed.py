"""`import asyncio as aio`: the alias resolves to asyncio."""

import asyncio as aio


async def ping() -> str:
    await aio.sleep(0)
    return "pong"


async def relay() -> str:
    return await ping()  # expect: LS101 async-context fix


def ping_sync() -> str:
    return aio.run(ping())  # expect: LS100 entrypoint ok


if __name__ == "__main__":
    aio.run(ping())  # expect: LS100 entrypoint ok
    print(ping_sync())
