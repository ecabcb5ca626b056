from weather.client import _refresh_cache
from weather.tools import rebuild

_refresh_cache()
rebuild()
