import asyncio

from shop.cart import total
from tests._loopsafe_runtime import current_loop

LEGACY_LOOP = current_loop()  # expect: LS402 test-code fix


async def test_total_async() -> None:
    assert await total([1, 2]) == 3  # expect: LS101 async-context fix


def test_total_sync() -> None:
    assert asyncio.run(total([1, 2])) == 3  # expect: LS100 test-code ok


class TestCart:
    async def test_in_class(self) -> None:
        loop = asyncio.get_running_loop()  # expect: LS201 async-context fix
        assert loop.is_running()

    def test_sync_in_class(self) -> None:
        loop = asyncio.new_event_loop()  # expect: LS100 test-code ok
        try:
            assert loop.run_until_complete(total([])) == 0  # expect: LS100 test-code ok
        finally:
            loop.close()
