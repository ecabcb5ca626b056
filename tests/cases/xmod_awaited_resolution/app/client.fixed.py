from loopsafe import run_sync


class Session:
    async def fetch(self) -> int:
        return 1


class Client:
    async def _fetch(self) -> int:
        return 1

    def fetch(self) -> int:
        # Nothing here calls it: `await session.fetch()` below awaits Session.fetch.
        return run_sync(self._fetch(), fresh_loop=True)  # expect: LS104 sync-wrapper fix

    async def __aenter__(self) -> Session:
        return Session()

    async def __aexit__(self, *exc: object) -> None:
        return None
