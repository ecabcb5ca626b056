from . import util
from .util import refresh_cache


async def on_refresh() -> None:
    refresh_cache()


async def on_warm() -> None:
    util.warm_cache()
