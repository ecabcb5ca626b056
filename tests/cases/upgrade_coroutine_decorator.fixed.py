"""Generator-based coroutines: `@asyncio.coroutine` warns from 3.8 and is gone in 3.11, where
the module no longer imports. A generator that only delegates with `yield from` becomes an
`async def` that awaits (unsafe: its callers get a native coroutine); the rest is left to
a person, with the reason."""

import asyncio
import asyncio.coroutines
import sys
from asyncio import coroutine  # expect: LS405 module-level fix


def numbers():
    yield 1
    yield 2


async def fetch(reader):
    # The header says how long the body is.
    header = await reader.readline()
    await asyncio.sleep(0)
    return await reader.read(int(header))


async def wait_twice(future):
    first = await asyncio.shield(future)
    second: int = await future
    return first + second


async def poll(queue):
    def drain():
        yield from queue  # a plain generator of its own: not part of `poll`
    item = await queue.get()
    return item, list(drain())


async def current_loop():
    # A generator-based coroutine runs inside the loop, like an `async def`.
    loop = asyncio.get_running_loop()  # expect: LS201 async-context fix
    await asyncio.sleep(0)
    return loop


class Client:
    def __init__(self, writer):
        self.writer = writer

    async def close(self):
        await self.writer.drain()
        self.writer.close()

    async def flush(self):
        await self.writer.drain()

    @staticmethod
    @asyncio.coroutine  # expect: LS405 module-level fix
    def value():
        return 42


@asyncio.coroutine  # expect: LS405 module-level fix
def legacy_yield():
    yield  # hands control to the loop: no `await` says that


@asyncio.coroutine  # expect: LS405 module-level fix
def in_expression(reader):
    return len((yield from reader.read()))


@asyncio.coroutine  # expect: LS405 module-level fix
def counts():
    total = yield from numbers()  # a plain generator: `await` would raise TypeError
    return total


def make(gen_function):
    return asyncio.coroutine(gen_function)  # expect: LS405 sync-wrapper fix


COROUTINE = asyncio.coroutine  # expect: LS405 module-level fix

# Compatibility shims: code that only runs where the decorator exists is accepted.
if sys.version_info < (3, 11):
    LEGACY = asyncio.coroutine  # expect: LS100 module-level ok

if hasattr(asyncio, "coroutine"):

    @asyncio.coroutine  # expect: LS100 module-level ok
    def legacy_sleep():
        yield from asyncio.sleep(0)


def legacy_test():
    try:
        from asyncio import coroutine as legacy  # expect: LS100 sync-wrapper ok
    except ImportError:
        return None
    else:

        @legacy  # expect: LS100 sync-wrapper ok
        def answer():
            return 42

        return answer


if sys.version_info < (3, 12):  # 3.11 has no decorator any more
    NEWER = asyncio.coroutine  # expect: LS405 module-level fix

if hasattr(asyncio, "coroutines"):  # not a check for the decorator
    ALSO = asyncio.coroutine  # expect: LS405 module-level fix


async def modern():
    return await fetch(None)
