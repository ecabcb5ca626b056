"""A library whose public sync API its own coroutines call: outside callers keep the sync
functions; the fix adds async twins and the coroutines await those."""

from weather.client import Client, forecast, forecast_async

__all__ = ["Client", "forecast", "report"]


async def report(city: str) -> str:
    return f"{city}: {await forecast_async(city)}"
