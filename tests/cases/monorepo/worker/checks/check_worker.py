"""A test module by the worker's own pytest.ini."""

import asyncio


async def _ping() -> bool:
    return True


def check_ping() -> None:
    assert asyncio.run(_ping())  # expect: LS100 test-code ok
