from feeds.sync import refresh_one


async def refresh() -> None:
    refresh_one()
