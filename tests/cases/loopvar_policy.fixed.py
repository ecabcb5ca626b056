"""Policy forms: `<policy>.new_event_loop()` creates, `<policy>.get_event_loop()` fetches.

`asyncio.get_event_loop_policy()` on its own is no loop site (LS403 reports the deprecated call).
"""

import asyncio

from loopsafe import current_loop, run_sync


async def job() -> None:
    return None


def via_policy_object() -> None:
    policy = asyncio.get_event_loop_policy()  # expect: LS403 sync-wrapper fix
    run_sync(job(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


def current_via_policy():
    return current_loop()  # expect: LS402 sync-wrapper fix; LS403 sync-wrapper fix


def current_via_policy_variable():
    policy = asyncio.get_event_loop_policy()  # expect: LS403 sync-wrapper fix
    return current_loop()  # expect: LS402 sync-wrapper fix


async def in_coroutine() -> None:
    loop = asyncio.get_event_loop_policy().get_event_loop()  # expect: LS201 async-context fix; LS403 async-context fix
    fresh = asyncio.new_event_loop()  # expect: LS100 async-context ok; LS403 async-context fix
    fresh.close()
    await asyncio.sleep(loop.time() * 0)
