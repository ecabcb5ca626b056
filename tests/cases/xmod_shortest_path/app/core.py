import asyncio


async def _work() -> None:
    return None


def target() -> None:
    asyncio.run(_work())  # expect: LS103 reachable-from-async fix path=app.b:short_route>app.b:middle>app.core:target
