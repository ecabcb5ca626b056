import asyncio

import click

from intel.services.source_sync import sync_sources


@click.command()
@click.argument("query")
def search(query: str) -> None:
    click.echo(asyncio.run(sync_sources(query)))  # expect: LS100 entrypoint ok
