"""uvloop.run (run kind) and uvloop.new_event_loop (create kind)."""

import uvloop


async def serve() -> None:
    return None


async def restart() -> None:
    await serve()  # expect: LS101 async-context fix


def debug_run(coro):
    loop = uvloop.new_event_loop()  # expect: LS203 entrypoint review
    loop.set_debug(True)
    return loop.run_until_complete(coro)  # expect: LS100 entrypoint ok


if __name__ == "__main__":
    uvloop.run(serve())  # expect: LS100 entrypoint ok
    debug_run(serve())
