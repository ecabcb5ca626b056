from weather.client import fetch_forecast

__all__ = ["fetch_forecast"]
