"""Typer commands are entry points."""

import asyncio

import typer

app = typer.Typer()


async def _sync() -> None:
    return None


@app.command()
def sync() -> None:
    asyncio.run(_sync())  # expect: LS100 entrypoint ok


@app.command("status")
def show_status() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 entrypoint ok
    try:
        loop.run_until_complete(_sync())  # expect: LS100 entrypoint ok
    finally:
        loop.close()
