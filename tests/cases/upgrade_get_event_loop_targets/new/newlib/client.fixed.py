import asyncio

from newlib._loopsafe_runtime import current_loop


class Client:
    def __init__(self) -> None:
        # kept for later calls
        self.loop = current_loop()  # expect: LS402 sync-wrapper fix


def loop_now() -> asyncio.AbstractEventLoop:
    return current_loop()  # expect: LS402 sync-wrapper fix
