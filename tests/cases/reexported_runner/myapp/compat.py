"""The project's own name for the runner."""

from asyncio import run as run_coroutine

__all__ = ["run_coroutine"]
