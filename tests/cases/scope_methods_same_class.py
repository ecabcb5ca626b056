"""Sync methods reached from an async method of the same class through `self`."""

import asyncio


class ReportService:
    async def handle(self, rid: int) -> str:
        return self.render(rid)

    def render(self, rid: int) -> str:
        data = self._load(rid)
        return str(data)

    def _load(self, rid: int) -> dict[str, int]:
        return asyncio.run(self._fetch(rid))  # expect: LS103 reachable-from-async fix path=scope_methods_same_class:ReportService.handle>scope_methods_same_class:ReportService.render>scope_methods_same_class:ReportService._load

    async def _fetch(self, rid: int) -> dict[str, int]:
        return {"id": rid}
