"""More loop callbacks: an exception handler and a ZMQ stream's on_recv run inside the
running loop, so a loop entry there is not "sync code"."""

import asyncio


async def _report() -> None:
    return None


def on_error(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    asyncio.run(_report())  # expect: LS103 reachable-from-async fix path=ctx_loop_callbacks_more:main>ctx_loop_callbacks_more:on_error


def on_message(frames: list[bytes]) -> None:
    asyncio.run(_report())  # expect: LS103 reachable-from-async fix path=ctx_loop_callbacks_more:main>ctx_loop_callbacks_more:on_message


async def main(stream) -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(on_error)
    stream.on_recv(on_message)
