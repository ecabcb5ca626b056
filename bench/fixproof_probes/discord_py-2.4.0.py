"""Probes for discord.py 2.4.0: Client.run(), the sync entry point of a bot.

run() sets up logging, then runs `async with client: await client.start(token)` to
completion: login over HTTP, then the gateway websocket, until the client is closed.
Offline there is no Discord to log in to, so the client goes through a proxy on
127.0.0.1 (`Client(proxy=...)`, public API). Two ways a user meets run() there:

- the proxy refuses connections: login fails and run() raises the connection error;
- the proxy accepts the connection and never answers (a slow network): the bot waits
  until the user presses Ctrl-C, which run() turns into a clean return ("nothing to do
  here", its code says: the runner cancels `start()`, which closes the HTTP session).
"""

from __future__ import annotations

from collections.abc import Callable


def _client(proxy: str) -> object:
    import discord

    return discord.Client(intents=discord.Intents.none(), proxy=proxy)


def _refused() -> object:
    import socket

    # A port that was free a moment ago and that nothing listens on: connection refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = _client(f"http://127.0.0.1:{port}")
    return client.run("probe-token", log_handler=None)  # type: ignore[attr-defined]


def _ctrl_c_while_logging_in() -> object:
    import os
    import signal
    import socket
    import threading

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        client = _client(f"http://127.0.0.1:{port}")
        timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            returned = client.run("probe-token", log_handler=None)  # type: ignore[attr-defined]
        finally:
            timer.cancel()
        return (returned, client.is_closed())  # type: ignore[attr-defined]


PROBES: dict[str, Callable[[], object] | str] = {
    "discord.client:Client.run [login fails]": _refused,
    "discord.client:Client.run [Ctrl-C while logging in]": _ctrl_c_while_logging_in,
}
