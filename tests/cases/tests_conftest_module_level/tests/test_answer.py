import asyncio


async def test_answer(answer: int) -> None:
    await asyncio.sleep(0)
    assert answer == 42


def test_answer_blocking(answer: int) -> None:
    loop = asyncio.new_event_loop()  # expect: LS203 test-code review
    assert loop.run_until_complete(asyncio.sleep(0, result=answer)) == 42  # expect: LS100 test-code ok
