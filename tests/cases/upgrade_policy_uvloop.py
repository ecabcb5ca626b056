# /// script
# requires-python = ">=3.12"
# ///
"""uvloop set up through the policy, then one run: the loop factory goes to the run itself
(unsafe: the policy also chose the loop of any other run in the process)."""

import asyncio
import sys

import uvloop
import uvloop as uv


async def serve(port: int) -> None:
    await asyncio.sleep(port * 0)


def main() -> None:
    uvloop.install()  # expect: LS403 entrypoint fix
    asyncio.run(serve(8000))  # expect: LS100 entrypoint ok


def main_through_policy() -> int:
    # uvloop's policy, under another name for the module
    asyncio.set_event_loop_policy(uv.EventLoopPolicy())  # expect: LS403 entrypoint fix
    result = asyncio.run(  # expect: LS100 entrypoint ok
        serve(8001),
        debug=True,
    )
    return 0 if result is None else 1


def main_with_runner() -> None:
    if sys.platform != "win32":
        uvloop.install()  # expect: LS403 entrypoint fix
    with asyncio.Runner() as runner:  # expect: LS100 entrypoint ok
        runner.run(serve(8002))


def main_not_next() -> None:
    uvloop.install()  # expect: LS403 entrypoint fix
    print("starting")
    asyncio.run(serve(8003))  # expect: LS100 entrypoint ok


def main_runner_kept() -> asyncio.Runner:
    uvloop.install()  # expect: LS403 entrypoint fix
    runner = asyncio.Runner()  # expect: LS100 entrypoint ok
    return runner


def main_factory_given() -> None:
    uvloop.install()  # expect: LS403 entrypoint fix
    asyncio.run(serve(8004), loop_factory=asyncio.new_event_loop)  # expect: LS100 entrypoint ok


if __name__ == "__main__":
    main()
    main_through_policy()
    main_with_runner()
    main_not_next()
    main_runner_kept()
    main_factory_given()
