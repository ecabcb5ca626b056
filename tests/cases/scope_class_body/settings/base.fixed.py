import asyncio
import warnings


async def _load_defaults() -> dict[str, int]:
    return {"timeout": 5}


class Defaults:
    with warnings.catch_warnings():  # no loop set: 3.12-3.13 warn, 3.14+ raise
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()  # expect: LS402 module-level fix
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
    values = asyncio.run(_load_defaults())  # expect: LS106 module-level review
    timeout = 5
