from client import get_json_sync


async def dashboard() -> dict[str, str]:
    return await get_json_sync("/stats")
