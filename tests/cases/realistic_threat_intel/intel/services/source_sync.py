import asyncio


async def sync_sources(config_path: str) -> int:
    return 0


def sync_sources_blocking(config_path: str) -> int:
    """Public sync entry for callers that are not async."""
    # The project is a service (FastAPI and Celery apps) that declares no API (`__all__`,
    # package re-exports) and nothing here calls this: its callers are unknown.
    return asyncio.run(sync_sources(config_path))  # expect: LS107 sync-wrapper review
