import asyncio


async def _refresh_ui() -> None:
    return None


def launch() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 entrypoint ok
    loop.create_task(_refresh_ui())
    try:
        loop.run_forever()  # expect: LS100 entrypoint ok
    finally:
        loop.close()
