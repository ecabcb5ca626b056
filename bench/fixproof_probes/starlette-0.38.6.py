"""Probes for starlette 0.38.6: is_async_callable() and the routing that relies on it."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable


def asgiref_marked(func: Callable[..., object]) -> Callable[..., object]:
    """Mark `func` as asgiref 3.8's markcoroutinefunction does (see README.md)."""
    if hasattr(inspect, "markcoroutinefunction"):
        return inspect.markcoroutinefunction(func)
    func._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
    return func


async def _async_fn() -> str:
    return "async"


def _sync_fn() -> str:
    return "sync"


class _AsyncCallable:
    async def __call__(self) -> str:
        return "instance"


def _is_async(obj: object) -> object:
    from starlette._utils import is_async_callable

    return is_async_callable(obj)


def _marked_endpoint() -> object:
    """A Route whose endpoint is a sync function marked as a coroutine function."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def respond(request: Request) -> PlainTextResponse:
        return PlainTextResponse("marked")

    def endpoint(request: Request) -> object:
        return respond(request)

    app = Starlette(routes=[Route("/", asgiref_marked(endpoint))])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/")
        return (response.status_code, response.text)


KEY = "starlette._utils:is_async_callable"
PROBES: dict[str, Callable[[], object] | str] = {
    f"{KEY} [async def]": lambda: _is_async(_async_fn),
    f"{KEY} [def]": lambda: _is_async(_sync_fn),
    f"{KEY} [partial of async def]": lambda: _is_async(functools.partial(_async_fn)),
    f"{KEY} [instance with async __call__]": lambda: _is_async(_AsyncCallable()),
    f"{KEY} [function marked by asgiref]": lambda: _is_async(asgiref_marked(lambda: None)),
    f"{KEY} [Route endpoint marked by asgiref]": _marked_endpoint,
}
