"""`asyncio.get_event_loop().run_until_complete(...)`: two sites on one line."""

from loopsafe import current_loop


async def load() -> int:
    return 1


async def handler() -> int:
    return await load()  # expect: LS201 async-context fix; LS102 async-context fix


def load_sync() -> int:
    return current_loop().run_until_complete(load())  # expect: LS402 sync-wrapper fix; LS104 sync-wrapper fix
