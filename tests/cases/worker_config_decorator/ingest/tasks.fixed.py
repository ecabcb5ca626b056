import asyncio

from ingest._loopsafe_runtime import run_sync
from ingest.queue import job


async def _ingest(path: str) -> None:
    return None


@job
def ingest_file(path: str) -> None:
    asyncio.run(_ingest(path))  # expect: LS100 worker-task ok


def not_a_task(path: str) -> None:
    run_sync(_ingest(path), fresh_loop=True)  # expect: LS104 sync-wrapper fix
