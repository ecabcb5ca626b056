async def _sync_disk() -> None:
    return None


async def flush() -> None:
    await _sync_disk()  # expect: LS103 reachable-from-async fix path=svc.api.v1:flush_route>svc.storage:flush
