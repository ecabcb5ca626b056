from redis import Redis
from rq import Queue

from reports.jobs import email_report


def schedule(rid: int) -> None:
    queue = Queue(connection=Redis())
    queue.enqueue(email_report, rid)
