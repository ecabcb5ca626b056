"""Positions: a call is reported at the line it starts on, a value reference at its own line,
and two sites on one line are two findings."""

import asyncio


async def fetch(n: int) -> int:
    return n


async def handler() -> int:
    first = await (  # expect: LS101 async-context fix
        fetch(
            1,
        )
    )
    loop = asyncio.get_running_loop()
    second = await loop.run_in_executor(
        None,
        asyncio.run,  # expect: LS100 thread ok
        fetch(2),
    )
    return first + second


def twice() -> int:
    a = asyncio.run(fetch(1)); b = asyncio.run(fetch(2))  # expect: LS100 entrypoint ok; LS100 entrypoint ok
    return a + b


if __name__ == "__main__":
    print(
        "result",
        asyncio.run(handler()),  # expect: LS100 entrypoint ok
        twice(),
    )
