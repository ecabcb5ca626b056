"""No rewrite where it would change behaviour: a loop callback runs inside the running loop
(LS103, and no async chain: the loop calls it, not an await), and a Thread.run that makes,
uses and closes its own loop is fine as it is."""

import asyncio
import threading


async def _reply(message: str) -> str:
    return message.upper()


def on_message(message: str) -> None:
    print(asyncio.run(_reply(message)))  # expect: LS103 reachable-from-async fix


class Poller(threading.Thread):
    def run(self) -> None:
        loop = asyncio.new_event_loop()  # expect: LS100 thread ok
        try:
            loop.run_until_complete(_reply("poll"))  # expect: LS100 thread ok
        finally:
            loop.close()


async def serve() -> None:
    asyncio.get_running_loop().call_soon(on_message, "hello")
    Poller().start()
