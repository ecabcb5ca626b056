"""The daily digest: the newest articles of each source since a point in time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsroom.models import Article
from newsroom.repository import Repository


@dataclass(frozen=True)
class Digest:
    since: datetime
    sections: dict[str, list[Article]]

    @property
    def size(self) -> int:
        return sum(len(articles) for articles in self.sections.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "size": self.size,
            "sections": {
                source: [article.as_dict() for article in articles]
                for source, articles in self.sections.items()
            },
        }

    def as_text(self) -> str:
        if not self.sections:
            return f"Nothing new since {self.since:%Y-%m-%d %H:%M}."
        lines = [f"News since {self.since:%Y-%m-%d %H:%M}", ""]
        for source, articles in self.sections.items():
            lines.append(f"== {source} ==")
            lines.extend(f"- {a.title} ({a.published:%d %b}) {a.link}" for a in articles)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def build_digest(db_path: Path, *, since: datetime, per_source: int = 5) -> Digest:
    sections: dict[str, list[Article]] = {}
    for article in _articles_since(db_path, since):
        bucket = sections.setdefault(article.source, [])
        if len(bucket) < per_source:
            bucket.append(article)
    return Digest(since=since, sections=dict(sorted(sections.items())))


def _articles_since(db_path: Path, since: datetime) -> list[Article]:
    return asyncio.run(Repository(db_path).published_since(since))
