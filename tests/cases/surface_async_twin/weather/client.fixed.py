import asyncio

from loopsafe import run_sync


async def _fetch(city: str) -> float:
    await asyncio.sleep(0)
    return 21.5


def forecast(city: str) -> float:
    """Today's temperature in `city`."""
    return run_sync(_fetch(city), fresh_loop=True)  # expect: LS103 reachable-from-async fix


async def forecast_async(city: str) -> float:
    """Today's temperature in `city`."""
    return await _fetch(city)  # expect: LS103 reachable-from-async fix


def forecast_cached(city: str) -> float:
    return run_sync(_fetch(city), fresh_loop=True)  # expect: LS103 reachable-from-async fix


async def forecast_cached_async(city: str) -> float:
    return await _fetch(city)  # expect: LS103 reachable-from-async fix


class Client:
    def temperature(self, city: str) -> float:
        return run_sync(_fetch(city), fresh_loop=True)  # expect: LS103 reachable-from-async fix

    async def temperature_async(self, city: str) -> float:
        return await _fetch(city)  # expect: LS103 reachable-from-async fix


async def dashboard(cities: list[str]) -> list[float]:
    client = Client()
    return [await client.temperature_async(c) for c in cities] + [await forecast_cached_async(cities[0])]


def main() -> None:
    print(forecast("Oslo"))
