"""A parameter or a local variable hides a module function of the same name."""

import asyncio

from loopsafe import run_sync


def event_loop() -> None:
    # Nothing in this module calls it: `event_loop` below is a parameter or a local.
    run_sync(asyncio.sleep(0), fresh_loop=True)  # expect: LS104 sync-wrapper fix


async def uses_a_parameter(event_loop: object, callbacks: list) -> None:
    callbacks.append(event_loop)


async def uses_a_local(fixtures: dict) -> None:
    event_loop = fixtures.pop("event_loop")
    print(event_loop)
