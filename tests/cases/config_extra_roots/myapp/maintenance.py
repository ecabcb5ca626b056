import asyncio

from myapp.commands import command
from myapp.pool import offload


async def _vacuum() -> None:
    return None


@command
def vacuum() -> None:
    asyncio.run(_vacuum())  # expect: LS100 entrypoint ok


def nightly() -> None:
    asyncio.run(_vacuum())  # expect: LS100 entrypoint ok


def _compress() -> None:
    asyncio.run(_vacuum())  # expect: LS100 thread ok


async def api_compress() -> None:
    await offload(_compress)
