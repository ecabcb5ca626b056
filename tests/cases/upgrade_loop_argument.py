# /// script
# requires-python = ">=3.10"
# ///
"""`loop=` passed to asyncio's high-level API in a project that requires Python 3.10: the
calls raise TypeError on every Python it supports, so dropping the argument is safe. The
low-level API keeps its loop argument and is left alone."""

from __future__ import annotations

import asyncio
import asyncio as aio
import asyncio.locks
from asyncio import Event, Queue, sleep
from asyncio.subprocess import PIPE


async def pause(loop: asyncio.AbstractEventLoop) -> int:
    await asyncio.sleep(0, loop=loop)  # expect: LS406 async-context fix
    await sleep(0, loop=loop)  # expect: LS406 async-context fix
    return await aio.sleep(0, 7, loop=loop)  # expect: LS406 async-context fix


async def double(value: int) -> int:
    await asyncio.sleep(0)
    return value * 2


async def together(loop: asyncio.AbstractEventLoop) -> list[int]:
    first = await asyncio.gather(  # expect: LS406 async-context fix
        double(1),
        double(2),
        loop=loop,
    )
    second = await asyncio.gather(double(3), loop=loop, return_exceptions=True)  # expect: LS406 async-context fix
    done, _ = await asyncio.wait([asyncio.ensure_future(double(4), loop=loop)], loop=loop)  # expect: LS406 async-context fix
    third = await asyncio.wait_for(double(5), 1, loop=loop)  # expect: LS406 async-context fix
    fourth = await asyncio.shield(double(6), loop=loop)  # expect: LS406 async-context fix
    rest = [await f for f in asyncio.as_completed([double(7)], loop=loop)]  # expect: LS406 async-context fix
    return [*first, *second, *(d.result() for d in done), third, fourth, *rest]


async def primitives(loop: asyncio.AbstractEventLoop) -> int:
    lock = asyncio.Lock(loop=loop)  # expect: LS406 async-context fix
    other = asyncio.locks.Lock(loop=loop)  # expect: LS406 async-context fix
    ready = Event(loop=loop)  # expect: LS406 async-context fix
    condition = asyncio.Condition(lock, loop=loop)  # expect: LS406 async-context fix
    limit = asyncio.Semaphore(2, loop=loop)  # expect: LS406 async-context fix
    bounded = asyncio.BoundedSemaphore(  # expect: LS406 async-context fix
        value=2,  # at most two at once
        loop=loop,  # the caller's loop
    )
    queues = [
        Queue(loop=loop, maxsize=3),  # expect: LS406 async-context fix
        asyncio.PriorityQueue(loop=loop),  # expect: LS406 async-context fix
        asyncio.LifoQueue(3, loop=loop,),  # expect: LS406 async-context fix
    ]
    async with condition, limit, bounded, other:
        ready.set()
    return sum(q.maxsize for q in queues) + lock.locked()


async def streams(loop: asyncio.AbstractEventLoop, path: str) -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0, loop=loop)  # expect: LS406 async-context fix
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, loop=loop)  # expect: LS406 async-context fix
    writer.close()
    server.close()
    unix = await asyncio.start_unix_server(lambda r, w: w.close(), path, loop=loop)  # expect: LS406 async-context fix
    _, unix_writer = await asyncio.open_unix_connection(path, loop=loop)  # expect: LS406 async-context fix
    unix_writer.close()
    unix.close()


async def processes(loop: asyncio.AbstractEventLoop) -> bytes:
    proc = await asyncio.create_subprocess_exec("echo", "one", stdout=PIPE, loop=loop)  # expect: LS406 async-context fix
    out, _ = await proc.communicate()
    shell = await asyncio.create_subprocess_shell("echo two", None, PIPE, None, loop)  # expect: LS406 async-context fix
    more, _ = await shell.communicate()
    return out + more


async def low_level(loop: asyncio.AbstractEventLoop) -> None:
    # These keep their loop argument on every Python.
    task = asyncio.ensure_future(double(1), loop=loop)
    future = asyncio.Future(loop=loop)
    other = asyncio.Task(double(2), loop=loop)
    wrapped = asyncio.wrap_future(asyncio.run_coroutine_threadsafe(double(3), loop), loop=loop)
    reader = asyncio.StreamReader(loop=loop)
    print(asyncio.all_tasks(loop), asyncio.current_task(loop), reader)
    future.set_result(None)
    await asyncio.gather(task, future, other, wrapped)


def sleep_for(seconds: float, loop: object = None) -> float:
    return seconds


async def lookalikes(options: dict[str, object]) -> None:
    sleep_for(1, loop=None)  # a function of the project's own
    await asyncio.sleep(0, **options)  # what the mapping holds is not known
