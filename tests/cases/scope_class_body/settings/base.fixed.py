import asyncio

from loopsafe import current_loop


async def _load_defaults() -> dict[str, int]:
    return {"timeout": 5}


class Defaults:
    loop = current_loop()  # expect: LS402 module-level fix
    values = asyncio.run(_load_defaults())  # expect: LS106 module-level review
    timeout = 5
