"""`async with C() as x`: `x` is what `__aenter__` returns, the object itself or not."""

import asyncio

from loopsafe import run_sync


async def _get() -> int:
    return 1


class Client:
    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def get_blocking(self) -> int:
        return asyncio.run(_get())  # expect: LS103 reachable-from-async fix path=xmod_context_manager_binding:use_client>xmod_context_manager_binding:Client.get_blocking


class Pool:
    async def __aenter__(self) -> "Connection":
        return Connection()

    async def __aexit__(self, *exc: object) -> None:
        return None

    def get_blocking(self) -> int:
        # The connection, not the pool, is what `async with Pool() as conn` gives.
        return run_sync(_get(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


class Connection:
    def get_blocking(self) -> int:
        return 1


async def use_client() -> int:
    async with Client() as client:
        return client.get_blocking()


async def use_pool() -> int:
    async with Pool() as conn:
        return conn.get_blocking()
