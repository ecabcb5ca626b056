import nest_asyncio as na
from nest_asyncio import apply as allow_nested

import nb.compat


def enable_nested(loop=None) -> None:
    na.apply(loop)  # expect: LS204 sync-wrapper review


async def in_coroutine() -> None:
    allow_nested()  # expect: LS204 async-context review
