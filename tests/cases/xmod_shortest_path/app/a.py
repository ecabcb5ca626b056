from app.core import target


async def long_route() -> None:
    step1()


def step1() -> None:
    step2()


def step2() -> None:
    target()
