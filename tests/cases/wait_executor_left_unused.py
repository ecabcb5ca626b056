"""A blocking wait on a coroutine run in an executor becomes `await`; the executor made
for it goes too when nothing else uses it (a `with` gives way to its body), a shared or
still-used one stays."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


async def job():
    return 1


async def with_block():
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, job()).result()  # expect: LS100 thread ok; LS105 async-context fix


async def local_pool():
    pool = ThreadPoolExecutor(max_workers=1)
    result = pool.submit(asyncio.run, job()).result()  # expect: LS100 thread ok; LS105 async-context fix
    pool.shutdown()
    return result


POOL = ThreadPoolExecutor()


async def shared_pool():
    return POOL.submit(asyncio.run, job()).result()  # expect: LS100 thread ok; LS105 async-context fix


async def pool_still_used():
    with ThreadPoolExecutor() as pool:
        first = pool.submit(asyncio.run, job()).result()  # expect: LS100 thread ok; LS105 async-context fix
        pool.submit(print, first)
    return first
