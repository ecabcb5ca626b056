"""A packaged library inside a monorepo: its own pyproject.toml makes its names API."""

from weather._loopsafe_runtime import run_sync


async def _fetch() -> dict[str, float]:
    return {}


def fetch() -> dict[str, float]:
    return run_sync(_fetch(), fresh_loop=True)  # expect: LS104 sync-wrapper fix


if __name__ == "__main__":
    print(fetch())
