"""A command-line script: get_event_loop() with no loop set raises on 3.14. Where the loop
is fetched only to run one coroutine, asyncio.run() does the same on every version; where
the script goes on using the loop, current_loop() gives it the loop 3.13 gave."""

import asyncio

from loopsafe import current_loop


async def serve() -> int:
    await asyncio.sleep(0)
    return 0


def main() -> int:
    return asyncio.run(serve())  # expect: LS100 entrypoint ok


def once() -> None:
    asyncio.run(serve())  # expect: LS402 entrypoint fix; LS100 entrypoint ok


def keeps_the_loop() -> None:
    loop = current_loop()  # expect: LS402 entrypoint fix
    loop.run_until_complete(serve())  # expect: LS100 entrypoint ok
    loop.call_soon(print, "later")
    loop.run_forever()  # expect: LS100 entrypoint ok


def hands_it_back() -> asyncio.AbstractEventLoop:
    loop = current_loop()  # expect: LS402 entrypoint fix
    loop.run_until_complete(serve())  # expect: LS100 entrypoint ok
    return loop


if __name__ == "__main__":
    main()
    once()
    keeps_the_loop()
    hands_it_back()
    asyncio.run(serve())  # expect: LS402 entrypoint fix; LS100 entrypoint ok
