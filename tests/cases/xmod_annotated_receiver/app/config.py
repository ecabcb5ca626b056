import asyncio


async def _read() -> dict[str, str]:
    return {}


class Config:
    def load(self) -> dict[str, str]:
        return asyncio.run(_read())  # expect: LS103 reachable-from-async fix path=app.server:Server.serve>app.config:Config.load


class Settings:
    def refresh(self) -> None:
        asyncio.run(_read())  # expect: LS103 reachable-from-async fix path=app.server:reload>app.config:Settings.refresh
