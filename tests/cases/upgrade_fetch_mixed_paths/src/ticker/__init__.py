"""get_event_loop() in sync code that coroutines call, decided per path: where some other
path reaches it too (import time, outside callers) no loop may be set, and on 3.14 it
raises (LS402); where only coroutines reach it, a loop always runs (LS201)."""

from ticker.clock import Clock

__all__ = ["Clock"]
