from graph.walk import visit


async def count(root: int) -> int:
    return visit(root)
