import asyncio


async def _ping() -> bool:
    return True


class BaseClient:
    async def _open(self) -> str:
        return "session"

    def connect(self) -> str:
        return asyncio.run(self._open())  # expect: LS103 reachable-from-async fix path=api.handlers:reconnect>data.client:Client.connect>data.client:BaseClient.connect


class Client(BaseClient):
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def connect(self) -> str:
        return super().connect()

    async def refresh(self) -> str:
        return await self._reload()

    async def _reload(self) -> str:
        return await self._open()  # expect: LS103 reachable-from-async fix path=api.handlers:refresh_handler>data.client:Client.refresh>data.client:Client._reload

    @classmethod
    def from_env(cls) -> "Client":
        return cls.configure()

    @classmethod
    def configure(cls) -> "Client":
        return asyncio.run(cls._load_env())  # expect: LS103 reachable-from-async fix path=api.handlers:from_env_handler>data.client:Client.from_env>data.client:Client.configure

    @classmethod
    async def _load_env(cls) -> "Client":
        return cls("postgres://env")

    @staticmethod
    def ping() -> bool:
        return asyncio.run(_ping())  # expect: LS103 reachable-from-async fix path=api.handlers:ping_handler>data.client:Client.ping


class Session:
    def __init__(self) -> None:
        self.token = asyncio.run(_ping())  # expect: LS103 reachable-from-async fix path=api.handlers:open_session>data.client:Session.__init__
