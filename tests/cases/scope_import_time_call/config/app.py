from config.remote import SETTINGS


def debug() -> bool:
    return bool(SETTINGS.get("debug"))
