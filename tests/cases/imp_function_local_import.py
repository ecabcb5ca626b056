"""Imports inside a function body resolve like module imports."""


async def _work() -> int:
    return 1


def compute() -> int:
    import asyncio as _aio

    return _aio.run(_work())  # expect: LS104 sync-wrapper fix


async def handler() -> int:
    from asyncio import run

    return run(_work())  # expect: LS101 async-context fix
