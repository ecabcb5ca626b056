"""asyncio.Runner(...): the construction is the site; `runner.run(...)` is not a second one.

Decision (contract lists only `asyncio.Runner(...)` as the run-kind construct): calls of
`.run()` on the runner object produce no finding of their own.
"""

import asyncio


async def main() -> None:
    await asyncio.sleep(0)


async def nested() -> None:
    with asyncio.Runner() as runner:  # expect: LS101 async-context fix
        runner.run(main())


def run_twice() -> None:
    with asyncio.Runner(debug=True) as runner:  # expect: LS100 entrypoint ok
        runner.run(main())
        runner.run(main())


if __name__ == "__main__":
    with asyncio.Runner() as runner:  # expect: LS100 entrypoint ok
        runner.run(main())
    run_twice()
