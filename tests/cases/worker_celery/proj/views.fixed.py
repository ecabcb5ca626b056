from proj.feeds import fetch_feed


async def preview(url: str) -> int:
    return len(await fetch_feed(url))
