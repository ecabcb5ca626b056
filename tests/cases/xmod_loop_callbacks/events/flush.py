"""Loop callbacks run inside the running loop: the functions are reachable from async."""

import asyncio


async def _write() -> None:
    return None


def flush_buffers() -> None:
    asyncio.run(_write())  # expect: LS103 reachable-from-async fix path=events.app:startup>events.flush:flush_buffers


def tick() -> None:
    asyncio.run(_write())  # expect: LS103 reachable-from-async fix path=events.app:startup>events.flush:tick


def on_done(fut: asyncio.Future) -> None:
    asyncio.get_event_loop().run_until_complete(_write())  # expect: LS201 reachable-from-async fix path=events.app:startup>events.flush:on_done; LS103 reachable-from-async fix path=events.app:startup>events.flush:on_done


def shutdown() -> None:
    asyncio.run(_write())  # expect: LS103 reachable-from-async fix path=events.app:startup>events.flush:shutdown


def wake() -> None:
    asyncio.run(_write())  # expect: LS103 reachable-from-async fix path=events.app:startup>events.flush:wake
