from data.client import Client, Session


async def reconnect() -> str:
    client = Client("postgres://")
    return client.connect()


async def refresh_handler() -> str:
    client = Client("postgres://")
    return await client.refresh()


async def from_env_handler() -> Client:
    return Client.from_env()


async def ping_handler() -> bool:
    return Client.ping()


async def open_session() -> Session:
    return Session()
