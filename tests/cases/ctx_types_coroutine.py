"""A `@types.coroutine` generator runs inside the loop like an `async def`."""

import asyncio
import types


async def _step() -> None:
    return None


@types.coroutine
def legacy_step():
    loop = asyncio.get_event_loop()  # expect: LS201 async-context fix
    yield
    return loop


@types.coroutine
def legacy_run():
    # No `await` in a generator: the fix is left to a person.
    asyncio.run(_step())  # expect: LS101 async-context fix
    yield
