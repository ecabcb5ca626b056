import asyncio
import warnings


class Client:
    def __init__(self) -> None:
        # kept for later calls
        with warnings.catch_warnings():  # no loop set: 3.12-3.13 warn, 3.14+ raise
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                self.loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
            except RuntimeError:
                self.loop = asyncio.new_event_loop()
                asyncio.set_event_loop(self.loop)


def loop_now() -> asyncio.AbstractEventLoop:
    return asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
