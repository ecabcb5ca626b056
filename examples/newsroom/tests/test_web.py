from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
from fastapi.testclient import TestClient


async def test_list_articles(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles", params={"limit": 3})
    assert response.status_code == 200
    assert [a["guid"] for a in response.json()] == [
        "tag:tech.example,2024:fab",
        "world-1041",
        "world-1038",
    ]


async def test_articles_of_one_source(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles", params={"source": "tech"})
    assert response.status_code == 200
    assert {a["source"] for a in response.json()} == {"tech"}
    assert len(response.json()) == 3


async def test_search(client: httpx.AsyncClient) -> None:
    response = await client.get("/articles/search", params={"q": "climate"})
    assert response.status_code == 200
    assert [a["guid"] for a in response.json()] == [
        "world-1041",
        "world-1019",
        "tag:tech.example,2024:dc",
    ]


async def test_list_sources(client: httpx.AsyncClient) -> None:
    response = await client.get("/sources")
    assert response.status_code == 200
    assert response.json() == [
        {"name": "world", "title": "World Desk", "articles": 4},
        {"name": "tech", "title": "Tech Wire", "articles": 3},
    ]


async def test_digest(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/digest", params={"since": "2024-03-02T00:00:00Z", "per_source": 2}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["size"] == 3
    assert [a["guid"] for a in body["sections"]["world"]] == ["world-1041", "world-1038"]
    assert [a["guid"] for a in body["sections"]["tech"]] == ["tag:tech.example,2024:fab"]


async def test_ingest_route(client: httpx.AsyncClient) -> None:
    response = await client.post("/sources/world/ingest")
    assert response.status_code == 200
    assert response.json() == {"source": "world", "seen": 4, "added": 0}


async def test_ingest_route_unknown_source(client: httpx.AsyncClient) -> None:
    response = await client.post("/sources/sports/ingest")
    assert response.status_code == 404


async def test_preview_feed(client: httpx.AsyncClient, feeds_dir: Path) -> None:
    response = await client.post("/feeds/preview", content=(feeds_dir / "tech.atom").read_bytes())
    assert response.status_code == 200
    assert response.json()["count"] == 3


async def test_preview_rejects_broken_feed(client: httpx.AsyncClient, feeds_dir: Path) -> None:
    response = await client.post("/feeds/preview", content=(feeds_dir / "broken.xml").read_bytes())
    assert response.status_code == 422
    assert "not well-formed" in response.json()["detail"]


async def test_export_feed(client: httpx.AsyncClient) -> None:
    response = await client.get("/sources/tech/feed.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    titles = [item.findtext("title") for item in ET.fromstring(response.text).iter("item")]
    assert titles == [
        "Chipmaker opens its first European fab",
        "Open-source database hits version 2.0",
        "Data centres and the climate bill",
    ]


def test_export_csv(sync_client: TestClient) -> None:
    response = sync_client.get("/sources/world/articles.csv")
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0] == "published,title,link"
    assert len(lines) == 5
    assert lines[1].startswith("2024-03-04T09:30:00+00:00,Climate summit")


def test_openapi_lists_routes(sync_client: TestClient) -> None:
    paths = sync_client.get("/openapi.json").json()["paths"]
    assert {"/articles", "/digest", "/sources/{name}/articles.csv"} <= set(paths)
