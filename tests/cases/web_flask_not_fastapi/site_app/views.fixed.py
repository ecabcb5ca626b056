# Decision (literal reading of sections 3 and 4): only FastAPI / Starlette routes are thread
# targets.  A Flask view has no caller in the project, so it is exposed: sync-wrapper.
from flask import Flask
from loopsafe import run_sync

app = Flask(__name__)


async def _stats() -> dict[str, int]:
    return {}


@app.get("/stats")
def stats() -> dict[str, int]:
    return run_sync(_stats())  # expect: LS104 sync-wrapper fix
