from app.core import target


async def short_route() -> None:
    await middle()


async def middle() -> None:
    await target()
