"""A function named `main` that builds an argparse parser is an entry point; other names are not."""

import argparse
import asyncio

from loopsafe import run_sync


async def backup(target: str) -> int:
    return len(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backup")
    parser.add_argument("target")
    args = parser.parse_args(argv)
    return asyncio.run(backup(args.target))  # expect: LS100 entrypoint ok


def restore_cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="restore")
    parser.add_argument("source")
    args = parser.parse_args(argv)
    return run_sync(backup(args.source), fresh_loop=True)  # expect: LS104 sync-wrapper fix
