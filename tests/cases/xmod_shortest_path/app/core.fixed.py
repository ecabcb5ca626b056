async def _work() -> None:
    return None


async def target() -> None:
    await _work()  # expect: LS103 reachable-from-async fix path=app.b:short_route>app.b:middle>app.core:target
