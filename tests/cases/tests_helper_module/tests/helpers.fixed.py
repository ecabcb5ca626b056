import asyncio


async def _rows() -> list[int]:
    return [1, 2]


async def _client() -> str:
    return "client"


async def load_rows() -> list[int]:
    return await _rows()  # expect: LS303 reachable-from-async fix path=tests.test_report:test_report_rows>tests.helpers:load_rows


def make_client() -> str:
    # Only sync tests call it.
    return asyncio.run(_client())  # expect: LS100 test-code ok
