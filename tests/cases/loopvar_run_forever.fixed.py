"""run_forever() counts on a receiver proven to be a loop or named like one (`loop`,
`self._loop`, `event_loop`); run_until_complete on any receiver."""

import asyncio

from loopsafe import current_loop


async def heartbeat() -> None:
    await asyncio.sleep(1)


def serve_forever_new() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    loop.create_task(heartbeat())
    try:
        loop.run_forever()  # expect: LS104 sync-wrapper fix
    finally:
        loop.close()


def serve_on(loop) -> None:
    # `loop` is a parameter, named like a loop: run_forever is a site.
    loop.run_forever()  # expect: LS104 sync-wrapper fix
    # run_until_complete is a site whatever its receiver.
    loop.run_until_complete(heartbeat())  # expect: LS104 sync-wrapper fix


async def reenter() -> None:
    loop = asyncio.get_running_loop()
    loop.run_forever()  # expect: LS102 async-context fix


def serve_current() -> None:
    current = current_loop()  # expect: LS402 sync-wrapper fix
    current.create_task(heartbeat())
    current.run_forever()  # expect: LS104 sync-wrapper fix
