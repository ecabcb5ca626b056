import asyncio

__all__ = ["describe"]


async def _rebuild() -> None:
    return None


def describe() -> str:
    return "tools"


def rebuild() -> None:
    # Not in `__all__`: not API; only `python -m weather` runs it.
    asyncio.run(_rebuild())  # expect: LS100 entrypoint ok
