async def _read() -> dict[str, str]:
    return {}


class Config:
    async def load(self) -> dict[str, str]:
        return await _read()  # expect: LS103 reachable-from-async fix path=app.server:Server.serve>app.config:Config.load


class Settings:
    async def refresh(self) -> None:
        await _read()  # expect: LS103 reachable-from-async fix path=app.server:reload>app.config:Settings.refresh
