from loopsafe import run_sync


async def sync_sources(config_path: str) -> int:
    return 0


def sync_sources_blocking(config_path: str) -> int:
    """Public sync entry for callers that are not async."""
    return run_sync(sync_sources(config_path))  # expect: LS104 sync-wrapper fix
