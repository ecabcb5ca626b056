import asyncio


async def _collect() -> list[int]:
    return [1]


def build() -> list[int]:
    return asyncio.run(_collect())  # expect: LS103 reachable-from-async fix path=svc.api:direct>svc.report:build
