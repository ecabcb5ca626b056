"""A script (top-level calls, imported by nothing) with one helper its module level calls
and one it never calls.

Decision (literal reading of section 4): the script's module level is an entry root only for
what it calls.  A function nobody calls is *exposed* (outside code may import and call it),
and rule 4 (sync-wrapper) comes before rule 5 (entrypoint).
"""

import asyncio

from loopsafe import run_sync


async def _collect() -> list[int]:
    return [1, 2]


def collect_now() -> list[int]:
    return asyncio.run(_collect())  # expect: LS100 entrypoint ok


def collect_later() -> list[int]:
    return run_sync(_collect(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


print(collect_now())
