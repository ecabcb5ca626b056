async def _get(url: str) -> dict[str, str]:
    return {"url": url}


async def get_json(url: str) -> dict[str, str]:
    return await _get(url)  # expect: LS103 reachable-from-async fix path=web.views:dashboard>client.sync_api:get_json
