"""Watched APIs whose calls are sites only when they pass one argument (`Rule.call_arguments`,
LS406's `loop`): every other call, mention or import of them is no site at all, so watching
`asyncio.sleep` costs nothing in code that never passes it a loop."""

from __future__ import annotations

import ast
import textwrap

from loopsafe.facts.extract import extract
from loopsafe.facts.model import SiteKind
from loopsafe.rules.registry import registry

SOURCE = textwrap.dedent(
    """
    import asyncio
    from asyncio import sleep

    nap = asyncio.sleep


    async def main(loop, options, pipes):
        await asyncio.sleep(1)
        await sleep(1, loop=loop)
        await asyncio.sleep(1, **options)
        await asyncio.create_subprocess_shell("ls", None, None, None, loop)
        await asyncio.create_subprocess_shell("ls", *pipes, loop)
        await asyncio.create_subprocess_shell("ls", None, None, None)
        task = asyncio.ensure_future(asyncio.gather(nap(1), loop=loop))
        return task, asyncio.wait_for
    """
)


def test_only_calls_passing_the_argument_are_sites() -> None:
    rules = registry()
    facts = extract(
        ast.parse(SOURCE),
        SOURCE,
        "app",
        watched=rules.watched_calls(),
        watched_arguments=rules.watched_arguments(),
    )
    filtered = {name for name, _, _ in rules.watched_arguments()}
    # (ensure_future is watched whole, by LS407: its call is a site of its own)
    sites = [
        (s.line, s.target, s.awaited)
        for s in facts.sites
        if s.kind is SiteKind.CALL and s.target in filtered
    ]
    assert sites == [
        (10, "asyncio.sleep", True),
        (12, "asyncio.create_subprocess_shell", True),
        (15, "asyncio.gather", False),
    ]


def test_without_the_filter_every_call_is_a_site() -> None:
    facts = extract(ast.parse(SOURCE), SOURCE, "app", watched=("asyncio.sleep",))
    lines = [s.line for s in facts.sites if s.kind is SiteKind.CALL]
    assert lines == [3, 5, 9, 10, 11, 15]  # `nap(1)` too: `nap` is asyncio.sleep
