# /// script
# requires-python = ">=3.11"
# ///
"""A script that requires 3.11: a branch for older Pythons never runs, and the decorator
in it is accepted. Outside such a branch it is the same finding as anywhere."""

import asyncio
import sys

if sys.version_info < (3, 11):
    coroutine = asyncio.coroutine  # expect: LS100 module-level ok
else:
    import types

    coroutine = types.coroutine


async def step():
    await asyncio.sleep(0)
