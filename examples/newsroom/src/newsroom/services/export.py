"""Re-publishing stored articles as an RSS 2.0 feed, for partners that syndicate us."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from email.utils import format_datetime
from pathlib import Path

from newsroom.models import Article
from newsroom.repository import Repository


def render_rss(channel_title: str, articles: Sequence[Article]) -> str:
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = channel_title
    ET.SubElement(channel, "description").text = f"{channel_title}, via newsroom"
    for article in articles:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = article.link
        ET.SubElement(item, "guid", isPermaLink="false").text = article.guid
        ET.SubElement(item, "description").text = article.summary
        ET.SubElement(item, "pubDate").text = format_datetime(article.published)
    return ET.tostring(rss, encoding="unicode", xml_declaration=True)


def export_source_rss(db_path: Path, source: str) -> str:
    articles = asyncio.run(Repository(db_path).articles_for_source(source))
    return render_rss(source, articles)
