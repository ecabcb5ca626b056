"""`from asyncio import run as arun`, next to a local `run` that is not asyncio's."""

import subprocess

from loopsafe import run_sync


async def build() -> int:
    return 0


def run(cmd: list[str]) -> str:
    # A project function that happens to be called `run`: never a site.
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


async def release() -> int:
    run(["git", "tag", "v1"])
    return await build()  # expect: LS101 async-context fix


def release_blocking() -> int:
    run(["git", "push"])
    return run_sync(build(), fresh_loop=True)  # expect: LS104 sync-wrapper fix
