"""A factory that only defines and returns a function does not call it."""

import asyncio


async def _work() -> None:
    return None


def make_handler():
    def handler() -> None:
        asyncio.run(_work())  # expect: LS107 sync-wrapper review

    return handler


async def main() -> None:
    # Building the handler from async code runs nothing of it.
    make_handler()
