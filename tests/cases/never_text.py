"""Scheduler helpers.

Call ``asyncio.run(main())`` from your entry point; never call
asyncio.get_event_loop() or loop.run_until_complete(coro) from library code.
"""

import asyncio

HELP = "use asyncio.run(main()) to start"
TEMPLATE = f"{HELP}: asyncio.run({HELP!r}) or asyncio.new_event_loop()"
RAW = r"loop.run_until_complete(coro)"
BYTES = b"asyncio.get_event_loop()"
SNIPPET = """
loop = asyncio.new_event_loop()
loop.run_until_complete(main())
nest_asyncio.apply()
"""

# asyncio.run(main())
# loop = asyncio.get_event_loop(); loop.run_until_complete(main())


def describe() -> str:
    """Return how to start: asyncio.run(main()), not asyncio.get_event_loop()."""
    return f"start with asyncio.run({describe.__name__}())"


async def main() -> None:
    """Entry coroutine; see asyncio.run."""
    print(describe(), TEMPLATE, RAW, BYTES, SNIPPET)


if __name__ == "__main__":
    asyncio.run(main())  # expect: LS100 entrypoint ok
