from ops.celery_app import app
from ops.maintenance import purge


@app.task
def purge_task() -> None:
    purge()
