"""The scan goes on past a file that does not parse."""

from loopsafe import run_sync


async def _refresh() -> None:
    return None


def refresh() -> None:
    run_sync(_refresh(), fresh_loop=True)  # expect: LS104 sync-wrapper fix
