from celery import Celery

app = Celery("ops", broker="redis://localhost:6379/0")
