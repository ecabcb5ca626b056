"""Blocking `.result()` inside a coroutine on an executor future whose function enters a loop."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

_executor = ThreadPoolExecutor(max_workers=4)


async def render(page: str) -> str:
    return page


def render_blocking(page: str) -> str:
    return asyncio.run(render(page))  # expect: LS100 thread ok


def checksum(data: bytes) -> int:
    return sum(data) % 256


async def handler(page: str) -> tuple[str, str, int]:
    html = await render(page)  # expect: LS100 thread ok; LS105 async-context fix
    again = _executor.submit(render_blocking, page).result(timeout=5)  # expect: LS105 async-context fix
    # Blocking on plain CPU work is bad style but no loop site.
    digest = _executor.submit(checksum, b"abc").result()
    return html, again, digest


def sync_caller(page: str) -> str:
    # Outside a coroutine a blocking wait is fine.
    return _executor.submit(render_blocking, page).result()
