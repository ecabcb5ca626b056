"""Re-entrant mode in an ASGI app under a real uvicorn server (issue 14, hosts; (d) uvloop).

uvicorn runs in a subprocess, as in production, serving a FastAPI app whose async route
calls a plain sync helper, which calls ``run_sync(..., allow_running_loop=True)`` on a
coroutine that waits on an ``asyncio.Queue`` bound to the server's loop. Only another
request (``/put``) can fill that queue, so the slow request can only finish if the server
keeps serving while the sync helper waits. Real HTTP requests through httpx.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("greenlet")
pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

APP = '''
import asyncio
import os
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI

import loopsafe
from loopsafe import run_sync
from loopsafe.runtime import is_reentrant

MODE = sys.argv[1] if __name__ == "__main__" else os.environ.get("APP_MODE", "lifespan")
TIMEOUT = 2 if MODE == "none" else 20


@asynccontextmanager
async def lifespan(app):
    if MODE == "lifespan":
        loopsafe.enable_reentry()  # the one line: requests from now on run re-entrant
    app.state.queue = asyncio.Queue()  # bound to the server's loop
    yield


app = FastAPI(lifespan=lifespan)


def take(queue):
    """A plain sync helper, as a library offers it, over an async client of that loop."""
    return run_sync(queue.get(), allow_running_loop=True, timeout=TIMEOUT)


@app.get("/slow")
async def slow():
    started = asyncio.get_running_loop().time()
    item = take(app.state.queue)
    waited = asyncio.get_running_loop().time() - started
    return {"item": item, "reentrant": is_reentrant(), "waited": waited}


@app.get("/put")
async def put(item: str):
    await app.state.queue.put(item)
    return {"queued": item}


@app.get("/ping")
async def ping():
    return {"loop": type(asyncio.get_running_loop()).__module__}


if __name__ == "__main__":  # the other one line: loopsafe.run() instead of asyncio.run()
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, loop=sys.argv[2])
    server = uvicorn.Server(config)
    loopsafe.run(server.serve(), loop_factory=config.get_loop_factory())
'''


def start(
    tmp_path: Path, argv: list[str], mode: str = "lifespan"
) -> tuple[subprocess.Popen[str], str]:
    """Start uvicorn and return it with its base URL, read from its startup log."""
    process = subprocess.Popen(
        [sys.executable, *argv],
        cwd=tmp_path,
        env={**os.environ, "APP_MODE": mode},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        found = re.search(r"Uvicorn running on (http://\S+)", line)
        if found:
            # Keep draining its log so the server never blocks on a full pipe.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, found.group(1)
    process.wait(5)
    raise AssertionError("uvicorn did not start:\n" + "".join(seen))


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP), encoding="utf-8")
    return tmp_path


LOOPS = ["asyncio"] + (["uvloop"] if sys.platform != "win32" else [])


@pytest.fixture(
    params=[
        (how, loop)
        for how in ("uvicorn app:app, enable_reentry() in lifespan", "loopsafe.run(server.serve())")
        for loop in LOOPS
    ],
    ids=lambda p: f"{'lifespan' if 'lifespan' in p[0] else 'run'}-{p[1]}",
)
def server(request: pytest.FixtureRequest, app_dir: Path) -> Iterator[tuple[str, str]]:
    how, loop = request.param
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    if "lifespan" in how:
        argv = ["-m", "uvicorn", "app:app", "--port", "0", "--loop", loop]
    else:
        argv = ["app.py", "run", loop]
    process, url = start(app_dir, argv)
    try:
        yield url, loop
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_sync_helper_waits_on_the_server_loop_while_it_serves_other_requests(
    server: tuple[str, str],
) -> None:
    url, loop = server
    results: dict[str, object] = {}

    def slow_request() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            results["slow"] = client.get("/slow").json()
            results["slow_done"] = time.monotonic()

    slow = threading.Thread(target=slow_request)
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/ping").json() == {
            "loop": "uvloop" if loop == "uvloop" else "asyncio.unix_events"
        }
        slow.start()
        time.sleep(0.3)  # /slow is now inside its sync helper, waiting on the queue
        pings = []
        for _ in range(5):  # the server answers other requests meanwhile
            sent = time.monotonic()
            assert client.get("/ping").status_code == 200
            pings.append(time.monotonic() - sent)
        assert "slow" not in results, "the slow request finished before anything was queued"
        put_at = time.monotonic()
        assert client.get("/put", params={"item": "hello"}).json() == {"queued": "hello"}
    slow.join(30)
    assert results["slow"]["item"] == "hello"  # type: ignore[index]
    assert results["slow"]["reentrant"] is True  # type: ignore[index]
    assert results["slow_done"] > put_at  # type: ignore[operator]
    assert max(pings) < 2.0, pings


def test_without_the_line_the_server_freezes_as_today(app_dir: Path) -> None:
    """The control: without enable_reentry() the helper takes the thread path, which
    blocks the server's loop until its 2 s timeout; a ping meanwhile waits that long."""
    argv = ["-m", "uvicorn", "app:app", "--port", "0", "--loop", "asyncio"]
    process, url = start(app_dir, argv, mode="none")
    try:
        results: dict[str, int] = {}

        def slow_request() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                results["slow"] = client.get("/slow").status_code

        slow = threading.Thread(target=slow_request)
        with httpx.Client(base_url=url, timeout=30) as client:
            client.get("/ping")
            slow.start()
            time.sleep(0.3)
            sent = time.monotonic()
            client.get("/ping")
            frozen_for = time.monotonic() - sent
        slow.join(30)
        assert results["slow"] == 500  # TimeoutError: the queue never gets an item
        assert frozen_for > 1.0, frozen_for
    finally:
        process.terminate()
        process.wait(10)
