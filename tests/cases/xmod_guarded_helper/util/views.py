from util.bridge import run_blocking


async def _load() -> int:
    return 1


async def index() -> int:
    return run_blocking(_load())
