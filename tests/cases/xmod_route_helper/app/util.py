import asyncio


async def fetch_profile(uid: int) -> dict[str, int]:
    return {"id": uid}


def fetch_profile_sync(uid: int) -> dict[str, int]:
    return asyncio.run(fetch_profile(uid))  # expect: LS103 reachable-from-async fix path=app.routes:profile>app.util:fetch_profile_sync
