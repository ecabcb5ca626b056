"""anyio.run and trio.run are run-kind entries too, under any import form."""

import anyio
import trio
from anyio import run as anyio_run


async def work() -> None:
    await anyio.sleep(0)


async def bridge() -> None:
    await work()  # expect: LS101 async-context fix
    await work()  # expect: LS101 async-context fix


def run_with_anyio() -> None:
    anyio_run(work)  # expect: LS100 entrypoint ok


if __name__ == "__main__":
    trio.run(work)  # expect: LS100 entrypoint ok
    run_with_anyio()
