async def _load(iid: int) -> dict[str, int]:
    return {"id": iid}


async def load_item_sync(iid: int) -> dict[str, int]:
    # Reached from a sync route (thread) and from an async route: the loop path wins.
    return await _load(iid)  # expect: LS103 reachable-from-async fix path=api.items:list_items>api.store:load_item_sync
