async def get_raw_config() -> dict[str, bool]:
    return {"rss_only": False}
