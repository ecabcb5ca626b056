"""Helpers with mixed roots; the category is thread > worker-task > entrypoint, but unknown callers win over them."""

import asyncio


async def _work(name: str) -> None:
    return None


def rebuild_index() -> None:
    # CLI command + asyncio.to_thread target: thread.
    asyncio.run(_work("index"))  # expect: LS100 thread ok


def purge() -> None:
    # CLI command + Celery task: worker-task.
    asyncio.run(_work("purge"))  # expect: LS100 worker-task ok


def compact() -> None:
    # CLI command + an uncalled function of an application (it has a Celery app): who
    # else calls it is unknown, so a person must look.
    asyncio.run(_work("compact"))  # expect: LS107 sync-wrapper review
