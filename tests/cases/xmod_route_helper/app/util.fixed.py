async def fetch_profile(uid: int) -> dict[str, int]:
    return {"id": uid}


async def fetch_profile_sync(uid: int) -> dict[str, int]:
    return await fetch_profile(uid)  # expect: LS103 reachable-from-async fix path=app.routes:profile>app.util:fetch_profile_sync
