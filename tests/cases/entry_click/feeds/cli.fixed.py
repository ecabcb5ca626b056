import asyncio

import click

from feeds.sync import pull_all, refresh_one


async def _bootstrap() -> None:
    return None


async def _once() -> None:
    return None


@click.group()
def cli() -> None:
    asyncio.run(_bootstrap())  # expect: LS100 entrypoint ok


@cli.command()
def pull() -> None:
    pull_all()


@cli.command("once")
def once() -> None:
    asyncio.run(_once())  # expect: LS100 entrypoint ok


@cli.command()
def refresh() -> None:
    asyncio.run(refresh_one())


@click.command()
def standalone() -> None:
    asyncio.run(_once())  # expect: LS100 entrypoint ok
