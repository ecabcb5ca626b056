"""Probes for aioconsole 0.8.0: aioconsole.server.run(), the sync entry point that serves
an interactive asyncio console over TCP until Ctrl-C.

run() takes the current loop (`get_event_loop()`), starts the server on it, prints where
it listens, then runs the loop forever; Ctrl-C (KeyboardInterrupt) makes it return. A user
calls it from a script with no loop set (the common case), or after setting a loop of
their own, which it must then use. Written by reading aioconsole/server.py.
"""

from __future__ import annotations

from collections.abc import Callable


def _serve_until_ctrl_c() -> object:
    import os
    import signal
    import threading

    from aioconsole.server import run

    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        return run(host="127.0.0.1", port=0)
    finally:
        timer.cancel()


def _serve_on_the_loop_set() -> object:
    import asyncio
    import os
    import signal
    import threading

    from aioconsole.server import run

    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        returned = run(host="127.0.0.1", port=0)
    finally:
        timer.cancel()
    # The server was started on the loop the caller had set.
    return (returned, getattr(mine, "server", None) is not None)


PROBES: dict[str, Callable[[], object] | str] = {
    "aioconsole.server:run [Ctrl-C after serving]": _serve_until_ctrl_c,
    "aioconsole.server:run [on the loop the caller set]": _serve_on_the_loop_set,
}
