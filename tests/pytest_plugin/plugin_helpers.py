"""A small project whose tests hit every kind of loop conflict, and how to run pytest on it.

Every line that a conflict must be traced to carries a `# SITE: <name>` comment; tests look
the line number up from the source, so nothing here hard-codes a line.
"""

from __future__ import annotations

import json
import os
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "loopsafe"
    / "pytest_plugin"
    / "runtime.schema.json"
)

LOOPS = '''
"""Code under test: each function enters or fetches an event loop the wrong way."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from loopsafe import run_sync

log = logging.getLogger("app")


async def work():
    return 1


def run_blocking():
    coro = work()
    try:
        return asyncio.run(coro)  # SITE: run
    finally:
        coro.close()


def current_loop():
    return asyncio.get_event_loop()  # SITE: no-current


def current_loop_in_thread():
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(current_loop).result()


class Fetcher:
    def __init__(self):
        self._loop = asyncio.get_event_loop()  # SITE: stale-fetch

    async def fetch(self):
        return await self._loop.create_future()


async def make_fetcher():
    return Fetcher()


def fetch_on_another_loop():
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        fetcher = first.run_until_complete(make_fetcher())
        return second.run_until_complete(fetcher.fetch())
    finally:
        first.close()
        second.close()


async def fetch_in_worker_loop():
    fetcher = Fetcher()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetcher.fetch()).result()  # SITE: nested


def schedule_on_closed():
    loop = asyncio.new_event_loop()
    loop.close()
    loop.call_soon(print)  # SITE: closed


async def rerun():
    loop = asyncio.get_running_loop()
    coro = work()
    try:
        return loop.run_until_complete(coro)  # SITE: already-running
    finally:
        coro.close()


async def run_other():
    other = asyncio.new_event_loop()
    coro = work()
    try:
        return other.run_until_complete(coro)  # SITE: other-loop
    finally:
        coro.close()
        other.close()


def await_foreign_future():
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        return second.run_until_complete(first.create_future())  # SITE: foreign-future
    finally:
        first.close()
        second.close()


def refused_run_sync():
    return run_sync(work())  # SITE: run-sync


async def _set(event):
    event.set()


async def wait_for_event(event):
    setter = asyncio.create_task(_set(event))
    await event.wait()
    await setter


def event_on_two_loops():
    event = asyncio.Event()
    asyncio.run(wait_for_event(event))  # SITE: bound
    event.clear()
    asyncio.run(wait_for_event(event))


async def sources_or_default():
    coro = work()
    try:
        return asyncio.run(coro)  # SITE: swallowed
    except RuntimeError:
        coro.close()
        return []


def _fetcher_on_own_loop():
    loop = asyncio.new_event_loop()
    return loop.run_until_complete(make_fetcher()), loop


async def fetch_or_none():
    fetcher, loop = await asyncio.to_thread(_fetcher_on_own_loop)
    try:
        return await fetcher.fetch()
    except RuntimeError:
        log.exception("fetch failed")
        return None
    finally:
        loop.close()


async def fetch_or_none_quietly():
    fetcher, loop = await asyncio.to_thread(_fetcher_on_own_loop)
    try:
        return await fetcher.fetch()
    except RuntimeError as exc:
        log.warning("fetch failed: " + str(exc))  # SITE: logged-message
        return None
    finally:
        loop.close()
'''

TESTS = """
import asyncio

import pytest

from app import loops


@pytest.mark.asyncio
async def test_run_in_coroutine():
    loops.run_blocking()


def test_no_current_loop():
    loops.current_loop_in_thread()


def test_stale_loop():
    loops.fetch_on_another_loop()


@pytest.mark.asyncio
async def test_loop_entered_in_worker():
    await loops.fetch_in_worker_loop()


def test_closed_loop():
    loops.schedule_on_closed()


@pytest.mark.asyncio
async def test_already_running():
    await loops.rerun()


@pytest.mark.asyncio
async def test_other_loop_running():
    await loops.run_other()


def test_foreign_future():
    loops.await_foreign_future()


@pytest.mark.asyncio
async def test_run_sync_refused():
    loops.refused_run_sync()


def test_bound_to_other_loop():
    loops.event_on_two_loops()


@pytest.mark.asyncio
async def test_swallowed_silently():
    assert await loops.sources_or_default() == []


@pytest.mark.asyncio
async def test_swallowed_then_fails():
    assert await loops.sources_or_default() == ["world"]


@pytest.mark.asyncio
async def test_swallowed_and_logged():
    assert await loops.fetch_or_none() is None


@pytest.mark.asyncio
async def test_swallowed_and_logged_as_text():
    assert await loops.fetch_or_none_quietly() is None


def test_clean_sync():
    assert asyncio.run(loops.work()) == 1


@pytest.mark.asyncio
async def test_clean_async():
    assert await loops.work() == 1


def test_unrelated_failure():
    assert loops.__name__ == "elsewhere"
"""

# test name -> (SITE marker, message phrase, outcome) of its one conflict
EXPECTED: dict[str, tuple[str, str, str]] = {
    "test_run_in_coroutine": ("run", "asyncio.run() cannot be called from a running", "failed"),
    "test_no_current_loop": ("no-current", "There is no current event loop", "failed"),
    "test_stale_loop": ("stale-fetch", "attached to a different loop", "failed"),
    "test_loop_entered_in_worker": ("nested", "attached to a different loop", "failed"),
    "test_closed_loop": ("closed", "Event loop is closed", "failed"),
    "test_already_running": ("already-running", "This event loop is already running", "failed"),
    "test_other_loop_running": (
        "other-loop",
        "Cannot run the event loop while another loop is running",
        "failed",
    ),
    "test_foreign_future": ("foreign-future", "belongs to a different loop", "failed"),
    "test_run_sync_refused": ("run-sync", "while an event loop is running", "failed"),
    "test_bound_to_other_loop": ("bound", "bound to a different event loop", "failed"),
    "test_swallowed_silently": ("swallowed", "cannot be called from a running", "passed"),
    "test_swallowed_then_fails": ("swallowed", "cannot be called from a running", "failed"),
    "test_swallowed_and_logged": ("stale-fetch", "attached to a different loop", "passed"),
    "test_swallowed_and_logged_as_text": (
        "logged-message",
        "attached to a different loop",
        "passed",
    ),
}
PASSING_WITHOUT_CONFLICT = ("test_clean_sync", "test_clean_async")
FAILING_WITHOUT_CONFLICT = ("test_unrelated_failure",)
TEST_FILE = "tests/test_conflicts.py"
# Hypothesis' plugin takes two thirds of pytest's start-up here and plays no part.
FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def write_project(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makepyprojecttoml(
        textwrap.dedent(
            f"""
            [tool.pytest.ini_options]
            testpaths = ["tests"]
            pythonpath = ["."]
            asyncio_mode = "{mode}"
            asyncio_default_fixture_loop_scope = "function"
            """
        )
    )
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (pytester.path / "app" / "loops.py").write_text(LOOPS.lstrip(), encoding="utf-8")
    (pytester.path / "tests").mkdir()
    (pytester.path / TEST_FILE).write_text(TESTS.lstrip(), encoding="utf-8")


def site_line(path: Path, marker: str) -> int:
    [line] = [
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if text.rstrip().endswith(f"# SITE: {marker}")
    ]
    return line


@dataclass
class Run:
    ret: int
    output: str
    outcomes: dict[str, str]  # node id -> passed | failed | error | skipped
    runtime: dict[str, Any] | None

    def conflicts_of(self, nodeid: str) -> list[dict[str, Any]]:
        assert self.runtime is not None
        return [c for c in self.runtime["conflicts"] if c["test"] == nodeid]


def run_pytest(
    pytester: pytest.Pytester, *args: str, loopsafe: bool = True, timeout: float = 120
) -> Run:
    junit = pytester.path.parent / f"junit-{os.urandom(4).hex()}.xml"
    runtime_file = pytester.path / ".loopsafe" / "runtime.json"
    if runtime_file.exists():
        runtime_file.unlink()
    flags = ["--loopsafe"] if loopsafe else []
    result = pytester.runpytest_subprocess(
        *FAST, f"--junitxml={junit}", *flags, *args, timeout=timeout
    )
    output = "\n".join(result.outlines + result.errlines)
    runtime = json.loads(runtime_file.read_text("utf-8")) if runtime_file.exists() else None
    return Run(int(result.ret), output, parse_junit(junit), runtime)


def parse_junit(path: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for case in ET.parse(path).iter("testcase"):
        nodeid = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
                if outcome != "skipped":
                    break
        outcomes[nodeid] = outcome
    return outcomes


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema
