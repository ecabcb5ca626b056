import asyncio

from api.routing import router
from api.store import load_item_sync


async def _fetch(iid: int) -> dict[str, int]:
    return {"id": iid}


@router.get("/items/{iid}")
def get_item(iid: int) -> dict[str, int]:
    return asyncio.run(_fetch(iid))  # expect: LS100 thread ok


@router.get("/items")
async def list_items() -> list[dict[str, int]]:
    return [await load_item_sync(0)]


@router.delete("/items/{iid}")
def delete_item(iid: int) -> dict[str, int]:
    return asyncio.run(load_item_sync(iid))
