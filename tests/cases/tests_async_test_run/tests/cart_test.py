import asyncio

from shop.cart import total


def test_total_suffix_style() -> None:
    # `*_test.py` files are test modules too.
    assert asyncio.run(total([4])) == 4  # expect: LS100 test-code ok


async def test_total_suffix_style_async() -> None:
    loop = asyncio.new_event_loop()  # expect: LS100 async-context ok
    loop.close()
