import asyncio


async def _harvest() -> int:
    return 0


def main() -> None:
    asyncio.run(_harvest())  # expect: LS100 entrypoint ok


def once() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 entrypoint ok
    try:
        loop.run_until_complete(_harvest())  # expect: LS100 entrypoint ok
    finally:
        loop.close()
