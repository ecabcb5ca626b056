async def _fill() -> None:
    return None


async def refresh_cache() -> None:
    await _fill()  # expect: LS103 reachable-from-async fix path=svc.handlers:on_refresh>svc.util:refresh_cache


async def warm_cache() -> None:
    await _fill()  # expect: LS201 reachable-from-async fix path=svc.handlers:on_warm>svc.util:warm_cache; LS103 reachable-from-async fix path=svc.handlers:on_warm>svc.util:warm_cache
