import asyncio
import functools

from tools.decorators import logged


async def _fetch(key: str) -> str:
    return key


@logged
def load_settings() -> str:
    return asyncio.run(_fetch("settings"))  # expect: LS103 reachable-from-async fix path=tools.views:index>tools.settings:load_settings


@functools.lru_cache(maxsize=1)
def api_token() -> str:
    return asyncio.run(_fetch("token"))  # expect: LS103 reachable-from-async fix path=tools.views:index>tools.settings:api_token


@functools.cache
@logged
def region() -> str:
    return asyncio.run(_fetch("region"))  # expect: LS103 reachable-from-async fix path=tools.views:whereami>tools.settings:region
