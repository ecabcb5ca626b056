"""pytest plugin injected into the example project's own run (`-p newsroom_probe`).

It records what really happened, so the main suite can check that the example's tests drive
the real app: every Celery task that ran (and whether it ran eagerly, in-process), and every
HTTP request the app served, with the client transport that carried it and the test it
belonged to. Written as JSON to $NEWSROOM_PROBE_OUT when the session ends. It only wraps
real calls; nothing is replaced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

_events: dict[str, list[dict[str, Any]]] = {"tasks": [], "requests": []}
_current_test: list[str] = [""]


def _record_task(sender: Any = None, task: Any = None, state: str = "", **_: Any) -> None:
    _events["tasks"].append(
        {
            "test": _current_test[0],
            "task": getattr(task, "name", str(sender)),
            "state": state,
            "eager": bool(getattr(getattr(task, "request", None), "is_eager", False)),
        }
    )


def _request_event(transport: str, request: Any) -> dict[str, Any]:
    return {
        "test": _current_test[0],
        "transport": transport,
        "method": request.method,
        "path": request.url.path,
        "status": None,
        "error": "",
    }


def _wrap_async(transport: str, original: Callable[..., Any]) -> Callable[..., Any]:
    async def handle_async_request(self: Any, request: Any) -> Any:
        event = _request_event(transport, request)
        _events["requests"].append(event)
        try:
            response = await original(self, request)
        except BaseException as exc:
            event["error"] = f"{type(exc).__name__}: {exc}"
            raise
        event["status"] = response.status_code
        return response

    return handle_async_request


def _wrap_sync(transport: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def handle_request(self: Any, request: Any) -> Any:
        event = _request_event(transport, request)
        _events["requests"].append(event)
        try:
            response = original(self, request)
        except BaseException as exc:
            event["error"] = f"{type(exc).__name__}: {exc}"
            raise
        event["status"] = response.status_code
        return response

    return handle_request


def pytest_configure(config: pytest.Config) -> None:
    import httpx
    from celery.signals import task_postrun
    from starlette.testclient import _TestClientTransport

    task_postrun.connect(_record_task, weak=False)
    httpx.ASGITransport.handle_async_request = _wrap_async(  # type: ignore[method-assign]
        "asgi", httpx.ASGITransport.handle_async_request
    )
    _TestClientTransport.handle_request = _wrap_sync(  # type: ignore[method-assign]
        "testclient", _TestClientTransport.handle_request
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    _current_test[0] = item.nodeid
    try:
        return (yield)
    finally:
        _current_test[0] = ""


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("NEWSROOM_PROBE_OUT")
    if out:
        Path(out).write_text(json.dumps(_events, indent=1), encoding="utf-8")
