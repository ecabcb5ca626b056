"""A module holding only a docstring, imports and definitions is a library module.

Decision (section 4, "script"): such a module has no top-level code, so it is not a script
even when nothing imports it; its uncalled functions are exposed library API.
"""

from loopsafe import run_sync


async def _lookup(name: str) -> str:
    return name


def lookup(name: str) -> str:
    return run_sync(_lookup(name), fresh_loop=True)  # expect: LS104 sync-wrapper fix


class Resolver:
    def resolve(self, name: str) -> str:
        return run_sync(_lookup(name), fresh_loop=True)  # expect: LS104 sync-wrapper fix
