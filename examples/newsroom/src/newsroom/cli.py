"""The `newsroom` command."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from newsroom.catalog import sync_sources_blocking
from newsroom.repository import Repository
from newsroom.services.export import export_source_rss
from newsroom.services.ingest import ingest_sources
from newsroom.services.maintenance import compact_database
from newsroom.services.summary import build_digest
from newsroom.settings import Settings


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@click.group()
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar="NEWSROOM_DB",
    default="newsroom.db",
    show_default=True,
    help="SQLite database file.",
)
@click.option(
    "--feeds",
    "feeds_dir",
    type=click.Path(path_type=Path),
    envvar="NEWSROOM_FEEDS_DIR",
    default="feeds",
    show_default=True,
    help="Directory holding sources.json.",
)
@click.pass_context
def main(ctx: click.Context, db_path: Path, feeds_dir: Path) -> None:
    """Ingest, inspect and maintain the newsroom database."""
    ctx.obj = Settings(db_path=db_path, feeds_dir=feeds_dir, outbox_dir=Path("outbox"))


@main.command()
@click.argument("names", nargs=-1)
@click.pass_obj
def ingest(settings: Settings, names: tuple[str, ...]) -> None:
    """Ingest the named sources (default: all of them)."""
    try:
        reports = asyncio.run(ingest_sources(settings.db_path, settings.feeds_dir, names))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    for report in reports:
        click.echo(f"{report.source}: {report.added} new of {report.seen}")


@main.command()
@click.option("--since", type=click.DateTime(), help="Default: 24 hours ago.")
@click.option("--per-source", default=5, show_default=True)
@click.pass_obj
def digest(settings: Settings, since: datetime | None, per_source: int) -> None:
    """Print the digest of recent articles."""
    start = _utc(since) if since else datetime.now(timezone.utc) - timedelta(days=1)
    click.echo(
        build_digest(settings.db_path, since=start, per_source=per_source).as_text(), nl=False
    )


@main.command()
@click.argument("source")
@click.pass_obj
def export(settings: Settings, source: str) -> None:
    """Print SOURCE's stored articles as an RSS feed."""
    click.echo(export_source_rss(settings.db_path, source))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("compact")
@click.option("--before", type=click.DateTime(), help="Also delete articles published before this.")
@click.pass_obj
def db_compact(settings: Settings, before: datetime | None) -> None:
    report = compact_database(settings.db_path, before=_utc(before) if before else None)
    click.echo(
        f"removed {report.removed} articles; {report.size_before} -> {report.size_after} bytes"
    )


@main.group()
def sources() -> None:
    """The feed catalogue."""


@sources.command("sync")
@click.pass_obj
def sources_sync(settings: Settings) -> None:
    """Copy sources.json into the database."""
    count = sync_sources_blocking(Repository(settings.db_path), settings.feeds_dir)
    click.echo(f"{count} sources")
