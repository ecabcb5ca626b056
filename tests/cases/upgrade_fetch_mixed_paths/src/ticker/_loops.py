import asyncio


def loop_for_timers():
    # Coroutines call it, and so does module-level code below, at import.
    return asyncio.get_event_loop()  # expect: LS402 reachable-from-async fix


def _running():
    # Only coroutines call it: a loop is always running here (get_running_loop()).
    return asyncio.get_event_loop()  # expect: LS201 reachable-from-async fix


DEFAULT_LOOP = loop_for_timers()
