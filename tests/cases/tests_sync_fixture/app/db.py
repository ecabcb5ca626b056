async def connect() -> str:
    return "conn"


async def seed() -> int:
    return 3


async def fetch_token() -> str:
    return "t0k3n"
