"""Mutually recursive sync functions: the graph walk must terminate and still find the path."""

import asyncio


async def _children(node: int) -> list[int]:
    return [] if node > 3 else [node + 1]


def visit(node: int) -> int:
    return 1 + sum(expand(child) for child in fetch_children(node))


def expand(node: int) -> int:
    return visit(node)


def fetch_children(node: int) -> list[int]:
    return asyncio.run(_children(node))  # expect: LS103 reachable-from-async fix path=graph.api:count>graph.walk:visit>graph.walk:fetch_children
