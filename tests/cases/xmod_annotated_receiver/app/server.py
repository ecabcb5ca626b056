"""Calls through objects typed by annotations: a parameter, and an attribute set from one."""

from __future__ import annotations

from typing import Optional

from app.config import Config, Settings


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config

    async def serve(self) -> None:
        self.config.load()


async def reload(settings: Optional["Settings"] = None) -> None:
    if settings is not None:
        settings.refresh()
