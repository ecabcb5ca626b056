"""Helpers with mixed roots; the category is thread > worker-task > entrypoint, but exposed wins over them."""

import asyncio

from loopsafe import run_sync


async def _work(name: str) -> None:
    return None


def rebuild_index() -> None:
    # CLI command + asyncio.to_thread target: thread.
    asyncio.run(_work("index"))  # expect: LS100 thread ok


def purge() -> None:
    # CLI command + Celery task: worker-task.
    asyncio.run(_work("purge"))  # expect: LS100 worker-task ok


def compact() -> None:
    # CLI command + an uncalled public function: library code outsiders can call.
    run_sync(_work("compact"))  # expect: LS104 sync-wrapper fix
