# /// script
# requires-python = ">=3.9,<3.14"
# ///
"""The same probe as upgrade_guard_branch_moves, in a script that never runs on 3.14: the
`except` branch is for threads, as it always was."""

import asyncio


def loop_or_none():
    try:
        loop = asyncio.get_event_loop()  # expect: LS100 guarded ok
    except RuntimeError:
        loop = None
    return loop
