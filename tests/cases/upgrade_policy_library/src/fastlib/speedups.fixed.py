"""Public helpers that set the policy for their callers' process."""

import uvloop

from fastlib._loopsafe_runtime import run_sync


def enable_uvloop() -> None:
    uvloop.install()  # expect: LS403 sync-wrapper fix


def serve_forever(app) -> None:
    uvloop.install()  # expect: LS403 sync-wrapper fix
    run_sync(app.serve(), fresh_loop=True)  # expect: LS104 sync-wrapper fix
