"""A blocking wait on a coroutine run in an executor becomes `await`; the executor made
for it goes too when nothing else uses it (a `with` gives way to its body), a shared or
still-used one stays."""

from concurrent.futures import ThreadPoolExecutor


async def job():
    return 1


async def with_block():
    return await job()  # expect: LS100 thread ok; LS105 async-context fix


async def local_pool():
    result = await job()  # expect: LS100 thread ok; LS105 async-context fix
    return result


POOL = ThreadPoolExecutor()


async def shared_pool():
    return await job()  # expect: LS100 thread ok; LS105 async-context fix


async def pool_still_used():
    with ThreadPoolExecutor() as pool:
        first = await job()  # expect: LS100 thread ok; LS105 async-context fix
        pool.submit(print, first)
    return first
