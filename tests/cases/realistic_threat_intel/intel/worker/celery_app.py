import asyncio

from celery import Celery

from intel.services.source_sync import sync_sources

app = Celery("intel", broker="redis://localhost:6379/0")


@app.task
def collect_sources() -> int:
    return asyncio.run(sync_sources("sources.yaml"))  # expect: LS100 worker-task ok


@app.task
def embed_annotations() -> int:
    loop = asyncio.new_event_loop()  # expect: LS100 worker-task ok
    try:
        return loop.run_until_complete(sync_sources("annotations.yaml"))  # expect: LS100 worker-task ok
    finally:
        loop.close()
