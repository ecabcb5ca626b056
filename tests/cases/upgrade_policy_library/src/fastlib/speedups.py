"""Public helpers that set the policy for their callers' process."""

import asyncio

import uvloop


def enable_uvloop() -> None:
    uvloop.install()  # expect: LS403 sync-wrapper fix


def serve_forever(app) -> None:
    uvloop.install()  # expect: LS403 sync-wrapper fix
    asyncio.run(app.serve())  # expect: LS104 sync-wrapper fix
