from celery import Celery

app = Celery("proj", broker="redis://localhost:6379/0")
app.conf.task_acks_late = True
