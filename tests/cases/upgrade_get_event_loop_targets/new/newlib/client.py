import asyncio


class Client:
    def __init__(self) -> None:
        # kept for later calls
        self.loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix


def loop_now() -> asyncio.AbstractEventLoop:
    return asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
