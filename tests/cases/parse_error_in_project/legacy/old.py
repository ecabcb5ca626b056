# expect-parse-error
import asyncio


def refresh(:
    asyncio.run(_refresh())
