import asyncio


async def _crawl() -> int:
    return 1


def crawl_to_thread() -> int:
    return asyncio.run(_crawl())  # expect: LS100 thread ok


def crawl_executor() -> int:
    return asyncio.run(_crawl())  # expect: LS100 thread ok


def crawl_thread() -> None:
    asyncio.run(_crawl())  # expect: LS100 thread ok


def crawl_submit() -> int:
    return asyncio.run(_crawl())  # expect: LS100 thread ok


def crawl_map(item: int) -> int:
    return asyncio.run(_crawl()) + item  # expect: LS100 thread ok


def crawl_anyio() -> int:
    return asyncio.run(_crawl())  # expect: LS100 thread ok


def crawl_chain() -> int:
    return _inner()


def _inner() -> int:
    return asyncio.run(_crawl())  # expect: LS100 thread ok
