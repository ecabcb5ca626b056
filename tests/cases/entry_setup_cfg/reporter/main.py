import asyncio


async def _report() -> str:
    return "ok"


def cli() -> None:
    print(asyncio.run(_report()))  # expect: LS100 entrypoint ok
