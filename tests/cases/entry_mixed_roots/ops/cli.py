import click

from ops.maintenance import compact, purge, rebuild_index


@click.group()
def cli() -> None:
    pass


@cli.command()
def reindex() -> None:
    rebuild_index()


@cli.command("purge")
def purge_cmd() -> None:
    purge()


@cli.command("compact")
def compact_cmd() -> None:
    compact()
