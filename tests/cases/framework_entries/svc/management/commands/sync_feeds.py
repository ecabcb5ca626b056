"""A Django management command: `manage.py sync_feeds` runs handle() with no loop."""

import asyncio

from django.core.management.base import BaseCommand


async def _sync() -> None:
    return None


class Command(BaseCommand):
    def handle(self, *args, **options) -> None:
        asyncio.run(_sync())  # expect: LS100 entrypoint ok
