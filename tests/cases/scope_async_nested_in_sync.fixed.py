"""An `async def` nested in a sync factory is a coroutine; async generators are coroutines too."""

import asyncio


async def _fetch() -> int:
    return 1


def make_handler():
    async def handler() -> int:
        return await _fetch()  # expect: LS101 async-context fix

    return handler


async def ticks():
    loop = asyncio.get_running_loop()  # expect: LS201 async-context fix
    while True:
        yield loop.time()


class Service:
    async def start(self) -> None:
        await _fetch()  # expect: LS201 async-context fix; LS102 async-context fix
