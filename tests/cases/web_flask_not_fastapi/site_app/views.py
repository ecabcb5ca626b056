# Flask runs a sync view in the request's thread, where no loop is running: thread.
import asyncio

from flask import Flask

app = Flask(__name__)


async def _stats() -> dict[str, int]:
    return {}


@app.get("/stats")
def stats() -> dict[str, int]:
    return asyncio.run(_stats())  # expect: LS100 thread ok
