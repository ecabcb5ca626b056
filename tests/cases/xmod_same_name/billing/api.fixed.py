from billing.helpers import fetch


async def quote() -> float:
    return await fetch()
