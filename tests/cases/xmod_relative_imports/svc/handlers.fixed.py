from . import util
from .util import refresh_cache


async def on_refresh() -> None:
    await refresh_cache()


async def on_warm() -> None:
    await util.warm_cache()
