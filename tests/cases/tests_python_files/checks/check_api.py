"""A test module by the project's `python_files`, not by the default names."""

import asyncio


async def _answer() -> int:
    return 42


def check_answer() -> None:
    assert asyncio.run(_answer()) == 42  # expect: LS100 test-code ok
