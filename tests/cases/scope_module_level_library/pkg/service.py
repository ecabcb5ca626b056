from pkg.db import CONNECTION


def current() -> str:
    return CONNECTION
