import asyncio

from ops.maintenance import compact, rebuild_index


async def rebuild() -> None:
    await asyncio.to_thread(rebuild_index)


def compact_everything() -> None:
    """Public helper, not called inside the project."""
    compact()
