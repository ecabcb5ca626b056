from feeds.sync import refresh_one


async def refresh() -> None:
    await refresh_one()
