from ..storage import flush


async def flush_route() -> dict[str, bool]:
    await flush()
    return {"ok": True}
