"""`asyncio.run_coroutine_threadsafe(c, loop).result()` blocks the calling loop when awaited code does it."""

import asyncio


async def fetch(key: str) -> str:
    return key


async def bad_lookup(key: str, other_loop: asyncio.AbstractEventLoop) -> str:
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(fetch(key), other_loop))  # expect: LS105 async-context fix


async def bad_lookup_timeout(key: str, other_loop: asyncio.AbstractEventLoop) -> str:
    return asyncio.run_coroutine_threadsafe(fetch(key), other_loop).result(timeout=2.0)  # expect: LS105 async-context fix


async def good_lookup(key: str, other_loop: asyncio.AbstractEventLoop) -> str:
    fut = asyncio.run_coroutine_threadsafe(fetch(key), other_loop)
    return await asyncio.wrap_future(fut)


def lookup_from_thread(key: str, loop: asyncio.AbstractEventLoop) -> str:
    # The intended use: a worker thread waits for a loop running elsewhere.
    return asyncio.run_coroutine_threadsafe(fetch(key), loop).result()


async def main() -> None:
    loop = asyncio.get_running_loop()
    print(await asyncio.to_thread(lookup_from_thread, "k", loop))


if __name__ == "__main__":
    asyncio.run(main())  # expect: LS100 entrypoint ok
