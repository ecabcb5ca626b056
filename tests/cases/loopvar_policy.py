"""Policy forms: `<policy>.new_event_loop()` creates, `<policy>.get_event_loop()` fetches.

`asyncio.get_event_loop_policy()` on its own is no loop site (LS403 reports the deprecated call).
"""

import asyncio


async def job() -> None:
    return None


def via_policy_object() -> None:
    policy = asyncio.get_event_loop_policy()  # expect: LS403 sync-wrapper fix
    loop = policy.new_event_loop()  # expect: LS100 sync-wrapper ok
    try:
        loop.run_until_complete(job())  # expect: LS104 sync-wrapper fix
    finally:
        loop.close()


def current_via_policy():
    return asyncio.get_event_loop_policy().get_event_loop()  # expect: LS402 sync-wrapper fix; LS403 sync-wrapper fix


def current_via_policy_variable():
    policy = asyncio.get_event_loop_policy()  # expect: LS403 sync-wrapper fix
    return policy.get_event_loop()  # expect: LS402 sync-wrapper fix


async def in_coroutine() -> None:
    loop = asyncio.get_event_loop_policy().get_event_loop()  # expect: LS201 async-context fix; LS403 async-context fix
    fresh = asyncio.get_event_loop_policy().new_event_loop()  # expect: LS100 async-context ok; LS403 async-context fix
    fresh.close()
    await asyncio.sleep(loop.time() * 0)
