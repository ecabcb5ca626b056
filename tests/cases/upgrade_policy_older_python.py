# /// script
# requires-python = ">=3.11"
# ///
"""A project that still supports Python 3.11: `asyncio.run()` takes no `loop_factory=` there
(3.12), so that set-up has no fix; `asyncio.Runner` has taken one since 3.11."""

import asyncio

import uvloop


async def main() -> None:
    await asyncio.sleep(0)


def run() -> None:
    uvloop.install()  # expect: LS403 entrypoint fix
    asyncio.run(main())  # expect: LS100 entrypoint ok


def run_with_runner() -> None:
    uvloop.install()  # expect: LS403 entrypoint fix
    with asyncio.Runner(debug=False) as runner:  # expect: LS100 entrypoint ok
        runner.run(main())


if __name__ == "__main__":
    run()
    run_with_runner()
