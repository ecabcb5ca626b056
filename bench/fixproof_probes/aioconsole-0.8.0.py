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


def _which_loop(loop: object) -> str:
    """Which loop `loop` is, for the caller: the one running, the one set, or another."""
    import asyncio

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:
        return "the running loop" if loop is running else "another loop"
    current = asyncio.get_event_loop_policy().get_event_loop()
    return "the loop set" if loop is current else "another loop"


def _console() -> object:
    """An AsynchronousConsole made without a loop takes the current one (console.py)."""
    from aioconsole.console import AsynchronousConsole

    return _which_loop(AsynchronousConsole(streams=(None, None)).loop)


def _reader() -> object:
    import io

    from aioconsole.stream import NonFileStreamReader

    return _which_loop(NonFileStreamReader(io.StringIO("line\n")).loop)


def _writer() -> object:
    import io

    from aioconsole.stream import NonFileStreamWriter

    return _which_loop(NonFileStreamWriter(io.StringIO()).loop)


def _write() -> object:
    """write() starts a task on the current loop that copies the buffer to the stream: a
    sync caller then runs that loop until it is done."""
    import io

    from aioconsole.stream import NonFileStreamWriter

    stream = io.StringIO()
    writer = NonFileStreamWriter(stream)
    writer.write("hello")
    task = writer.write_task
    where = _which_loop(task.get_loop())
    if where == "the running loop":
        return where
    task.get_loop().run_until_complete(task)
    return (where, stream.getvalue())


def _write_on_the_loop_set() -> object:
    """The caller sets a loop of its own, then writes: the copying task must be on it."""
    import asyncio

    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
    try:
        return _write()
    finally:
        asyncio.set_event_loop(None)
        mine.close()


PROBES: dict[str, Callable[[], object] | str] = {
    "aioconsole.console:AsynchronousConsole.__init__ [AsynchronousConsole()]": _console,
    "aioconsole.stream:NonFileStreamReader.__init__ [NonFileStreamReader(stream)]": _reader,
    "aioconsole.stream:NonFileStreamWriter.__init__ [NonFileStreamWriter(stream)]": _writer,
    "aioconsole.stream:NonFileStreamWriter.write [write(data)]": _write,
    "aioconsole.stream:NonFileStreamWriter.write [on the loop the caller set]": (
        _write_on_the_loop_set
    ),
    "aioconsole.server:run [Ctrl-C after serving]": _serve_until_ctrl_c,
    "aioconsole.server:run [on the loop the caller set]": _serve_on_the_loop_set,
}
