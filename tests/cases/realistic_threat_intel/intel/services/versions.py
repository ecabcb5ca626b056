async def get_latest_version() -> str:
    return "2026.01"
