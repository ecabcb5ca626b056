from ..storage import flush


async def flush_route() -> dict[str, bool]:
    flush()
    return {"ok": True}
