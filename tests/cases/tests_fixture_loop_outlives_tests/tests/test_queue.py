async def test_put(queue) -> None:
    await queue.put(1)
