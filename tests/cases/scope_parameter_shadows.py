"""A parameter or a local variable hides a module function of the same name."""

import asyncio


def event_loop() -> None:
    # Nothing in this module calls it: `event_loop` below is a parameter or a local.
    asyncio.run(asyncio.sleep(0))  # expect: LS104 sync-wrapper fix


async def uses_a_parameter(event_loop: object, callbacks: list) -> None:
    callbacks.append(event_loop)


async def uses_a_local(fixtures: dict) -> None:
    event_loop = fixtures.pop("event_loop")
    print(event_loop)
