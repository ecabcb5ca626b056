"""Plain data passed between the parser, the repository and the interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Article:
    guid: str
    source: str
    title: str
    link: str
    summary: str
    published: datetime

    def as_dict(self) -> dict[str, str]:
        return {
            "guid": self.guid,
            "source": self.source,
            "title": self.title,
            "link": self.link,
            "summary": self.summary,
            "published": self.published.isoformat(),
        }


@dataclass(frozen=True)
class IngestReport:
    source: str
    seen: int
    added: int
