import asyncio


async def test_job_runs() -> None:
    # Unmarked: with no asyncio_mode the default strict mode never runs it.
    await asyncio.sleep(0)


def test_job_sync() -> None:
    assert asyncio.run(asyncio.sleep(0, result=1)) == 1  # expect: LS100 test-code ok
