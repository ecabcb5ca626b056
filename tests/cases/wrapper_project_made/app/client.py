from asgiref.sync import async_to_sync

from app.compat import run_sync, sync_wrapper


@sync_wrapper
async def fetch_all() -> list[int]:
    return []


async def _ping() -> bool:
    return True


ping = run_sync(_ping)


class Client:
    async def _start(self) -> None:
        return None

    start = async_to_sync(_start)

    async def connect(self) -> None:
        # Each of these runs a coroutine to completion on a loop of its own, from inside
        # this coroutine's running loop.
        self.start()  # expect: LS103 async-context fix
        fetch_all()  # expect: LS103 async-context fix
        ping()  # expect: LS103 async-context fix

    def connect_blocking(self) -> None:
        self.start()
        ping()
