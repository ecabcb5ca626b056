"""Compatibility shims: the policy set-up only runs on Pythons before 3.14 (a version
check, or a feature check for an API added later), so it is accepted."""

import asyncio
import sys

import uvloop


async def main() -> None:
    await asyncio.sleep(0)


def run() -> None:
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # expect: LS100 entrypoint ok
            runner.run(main())
    else:
        uvloop.install()  # expect: LS100 entrypoint ok
        asyncio.run(main())  # expect: LS100 entrypoint ok


def run_windows() -> None:
    if sys.version_info < (3, 14) and sys.platform == "win32":
        asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # expect: LS100 entrypoint ok; LS100 entrypoint ok
    asyncio.run(main())  # expect: LS100 entrypoint ok


def loop_of_the_policy() -> asyncio.AbstractEventLoop:
    if not hasattr(asyncio, "EventLoop"):  # before Python 3.13
        return asyncio.get_event_loop_policy().new_event_loop()  # expect: LS100 entrypoint ok; LS100 entrypoint ok
    return asyncio.EventLoop()


if __name__ == "__main__":
    run()
    run_windows()
    loop_of_the_policy().close()
