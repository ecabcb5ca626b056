from tests.smoke.run_smoke_tests import main


async def test_smoke_main() -> None:
    assert await main() == 0
