import asyncio


async def _fill() -> None:
    return None


def refresh_cache() -> None:
    asyncio.run(_fill())  # expect: LS103 reachable-from-async fix path=svc.handlers:on_refresh>svc.util:refresh_cache


def warm_cache() -> None:
    asyncio.get_event_loop().run_until_complete(_fill())  # expect: LS201 reachable-from-async fix path=svc.handlers:on_warm>svc.util:warm_cache; LS103 reachable-from-async fix path=svc.handlers:on_warm>svc.util:warm_cache
