"""RSS 2.0 and Atom parsing with the standard library.

Only what the newsroom stores is extracted. Publishers are sloppy, so every field has a
fallback: a missing guid becomes the link (or a hash of the title), a missing date the epoch.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from newsroom.models import Article

ATOM = "{http://www.w3.org/2005/Atom}"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class FeedError(ValueError):
    """The document is not a feed this parser understands."""


def parse_feed(document: bytes | str, source: str = "") -> list[Article]:
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise FeedError(f"feed is not well-formed XML: {exc}") from exc
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedError("RSS document has no <channel>")
        return [_rss_item(item, source) for item in channel.iter("item")]
    if root.tag == f"{ATOM}feed":
        return [_atom_entry(entry, source) for entry in root.iter(f"{ATOM}entry")]
    raise FeedError(f"unsupported feed format <{root.tag}>")


def _rss_item(item: ET.Element, source: str) -> Article:
    title = _text(item.findtext("title"))
    link = _text(item.findtext("link"))
    return Article(
        guid=_text(item.findtext("guid")) or link or _digest(title),
        source=source,
        title=title,
        link=link,
        summary=_plain(item.findtext("description")),
        published=_rfc822(item.findtext("pubDate")),
    )


def _atom_entry(entry: ET.Element, source: str) -> Article:
    title = _text(entry.findtext(f"{ATOM}title"))
    link_element = entry.find(f"{ATOM}link[@rel='alternate']")
    if link_element is None:
        link_element = entry.find(f"{ATOM}link")
    link = "" if link_element is None else link_element.get("href", "")
    published = entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated")
    return Article(
        guid=_text(entry.findtext(f"{ATOM}id")) or link or _digest(title),
        source=source,
        title=title,
        link=link,
        summary=_plain(entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content")),
        published=_iso8601(published),
    )


def _text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "").strip()


def _plain(markup: str | None) -> str:
    return _text(_TAG.sub(" ", markup or ""))


def _digest(title: str) -> str:
    return "sha1:" + hashlib.sha1(title.encode("utf-8")).hexdigest()


def _rfc822(value: str | None) -> datetime:
    if not value:
        return EPOCH
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return EPOCH
    return _utc(parsed)


def _iso8601(value: str | None) -> datetime:
    if not value:
        return EPOCH
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return EPOCH
    return _utc(parsed)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
