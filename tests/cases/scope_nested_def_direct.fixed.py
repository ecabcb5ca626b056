"""A sync `def` nested in an `async def` and called directly from it: reachable from async.

Decision: the call path of a nested function is not pinned here (its qualname spelling,
e.g. `handler.<locals>.build`, is left to the implementation).
"""


async def load_report(rid: int) -> dict[str, int]:
    return {"id": rid}


async def handler(rid: int) -> dict[str, int]:
    async def build() -> dict[str, int]:
        return await load_report(rid)  # expect: LS103 reachable-from-async fix

    return await build()
