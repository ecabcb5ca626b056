"""Celery worker: scheduled ingestion, pruning and the digest mail."""
