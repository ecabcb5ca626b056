from intel.core.config import get_raw_config


class RSSParser:
    async def _extract_content(self, entry: dict[str, str]) -> str:
        rss_only = await get_raw_config()  # expect: LS101 async-context fix
        return "" if rss_only else entry.get("summary", "")

    async def parse(self, entries: list[dict[str, str]]) -> list[str]:
        return [await self._extract_content(e) for e in entries]
