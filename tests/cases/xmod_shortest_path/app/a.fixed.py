from app.core import target


async def long_route() -> None:
    await step1()


async def step1() -> None:
    await step2()


async def step2() -> None:
    await target()
