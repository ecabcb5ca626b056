async def _rates() -> float:
    return 1.0


async def fetch() -> float:
    return await _rates()  # expect: LS103 reachable-from-async fix path=billing.api:quote>billing.helpers:fetch
