from settings.base import Defaults


def timeout() -> int:
    return Defaults.timeout
