import asyncio


class Client:
    def __init__(self) -> None:
        self.loop = asyncio.get_event_loop()  # expect: LS202 sync-wrapper review
