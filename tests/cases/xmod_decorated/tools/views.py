from tools.settings import api_token, load_settings, region


async def index() -> tuple[str, str]:
    return load_settings(), api_token()


async def whereami() -> str:
    return region()
