"""Imports inside a function body resolve like module imports."""
from loopsafe import run_sync


async def _work() -> int:
    return 1


def compute() -> int:
    return run_sync(_work(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


async def handler() -> int:
    return await _work()  # expect: LS101 async-context fix
