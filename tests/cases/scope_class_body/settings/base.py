import asyncio


async def _load_defaults() -> dict[str, int]:
    return {"timeout": 5}


class Defaults:
    loop = asyncio.get_event_loop()  # expect: LS402 module-level fix
    values = asyncio.run(_load_defaults())  # expect: LS106 module-level review
    timeout = 5
