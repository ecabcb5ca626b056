"""Nested defs and lambdas in a coroutine: thread targets run in a thread, the rest in the loop."""

import asyncio


async def load_report(rid: int) -> dict[str, int]:
    return {"id": rid}


async def export(rid: int) -> dict[str, int]:
    def build() -> dict[str, int]:
        return asyncio.run(load_report(rid))  # expect: LS100 thread ok

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, build)


async def export_lambda(rid: int) -> dict[str, int]:
    return await asyncio.to_thread(lambda: asyncio.run(load_report(rid)))  # expect: LS100 thread ok


async def export_lambda_inline(rid: int) -> dict[str, int]:
    build = lambda: asyncio.run(load_report(rid))  # expect: LS101 async-context fix
    return build()
