"""asyncio.run passed as a value to something that is not a thread API: the enclosing scope decides."""

import asyncio
import functools


async def job(n: int) -> int:
    return n


async def schedule():
    runner = functools.partial(asyncio.run, job(1))  # expect: LS101 async-context fix
    return runner


def run_all(n: int) -> list[int]:
    return list(map(asyncio.run, [job(i) for i in range(n)]))  # expect: LS104 sync-wrapper fix
