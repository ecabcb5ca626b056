# Decision: passing a function as a value (`cli.add_command(search)`) is not a call edge; click
# only registers it, so `search` keeps its entry root and gets no import-time (module) root.
import click

from intel.cli.commands.search import search


@click.group()
def cli() -> None:
    """Threat-intel command line."""


cli.add_command(search)
