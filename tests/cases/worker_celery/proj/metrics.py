import asyncio


async def _push() -> None:
    return None


def push_metrics() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 worker-task ok
    try:
        loop.run_until_complete(_push())  # expect: LS100 worker-task ok
    finally:
        loop.close()
