from app.core import target


async def short_route() -> None:
    middle()


def middle() -> None:
    target()
