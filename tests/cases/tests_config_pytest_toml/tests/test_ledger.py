import asyncio


async def test_balance() -> None:
    # Unmarked: fine in auto mode (pytest.toml), an LS302 in strict mode (pyproject.toml).
    await asyncio.sleep(0)
