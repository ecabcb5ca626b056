"""`from asyncio import run`: the bare name is asyncio.run."""

from asyncio import run, sleep


async def tick() -> None:
    await sleep(0.1)


async def scheduler() -> None:
    for _ in range(3):
        await tick()  # expect: LS101 async-context fix


def tick_blocking() -> None:
    run(tick())  # expect: LS100 entrypoint ok


if __name__ == "__main__":
    tick_blocking()
    run(scheduler())  # expect: LS100 entrypoint ok
