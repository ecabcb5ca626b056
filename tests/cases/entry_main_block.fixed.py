"""Functions reachable only from `if __name__ == "__main__":` are entry points."""

import asyncio


async def sync_feeds() -> int:
    return 0


def refresh() -> int:
    return asyncio.run(sync_feeds())  # expect: LS100 entrypoint ok


def refresh_legacy() -> int:
    return asyncio.run(sync_feeds())  # expect: LS402 entrypoint fix; LS100 entrypoint ok


def main() -> None:
    print(refresh(), refresh_legacy())


if __name__ == "__main__":
    main()
