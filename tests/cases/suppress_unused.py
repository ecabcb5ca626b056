"""Suppression comments that hide nothing (LS001), next to ones that do, and other tools'
codes, which loopsafe never reports."""

import asyncio
import time


async def handler():
    asyncio.run(first())  # noqa: LS101
    asyncio.run(second())  # noqa: E501, LS101, LS201  # expect: LS001 suppression fix
    loop = asyncio.get_running_loop()  # loopsafe: ignore[LS201]  # expect: LS001 suppression fix
    asyncio.run(third())  # loopsafe: ignore[LS110]  # expect: LS101 async-context fix; LS001 suppression fix
    asyncio.run(fourth())  # loopsafe: ignore[LS1, LS2]  # expect: LS001 suppression fix
    await loop.shutdown_asyncgens()


def pause():
    time.sleep(1)  # noqa: E501, F401
    time.sleep(2)  # loopsafe: ignore  # expect: LS001 suppression fix
    time.sleep(3)  # noqa: LS204  # type: ignore  # expect: LS001 suppression fix
    time.sleep(4)  # loopsafe: ignore[LS101, LS001]
