from celery import Celery

celery_app = Celery("svc", broker="redis://localhost:6379/0")
