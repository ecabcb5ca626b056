import asyncio


async def _fetch(city: str) -> float:
    await asyncio.sleep(0)
    return 21.5


def forecast(city: str) -> float:
    """Today's temperature in `city`."""
    return asyncio.run(_fetch(city))  # expect: LS103 reachable-from-async fix


def forecast_cached(city: str) -> float:
    loop = asyncio.new_event_loop()  # expect: LS100 reachable-from-async ok
    try:
        return loop.run_until_complete(_fetch(city))  # expect: LS103 reachable-from-async fix
    finally:
        loop.close()


class Client:
    def temperature(self, city: str) -> float:
        return asyncio.run(_fetch(city))  # expect: LS103 reachable-from-async fix


async def dashboard(cities: list[str]) -> list[float]:
    client = Client()
    return [client.temperature(c) for c in cities] + [forecast_cached(cities[0])]


def main() -> None:
    print(forecast("Oslo"))
