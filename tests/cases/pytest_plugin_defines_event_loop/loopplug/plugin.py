"""A pytest plugin that provides its users an `event_loop` fixture: its definition, not an
override in a test suite; deleting it would break every suite that uses the plugin."""

import asyncio

import pytest


@pytest.fixture
def event_loop():  # expect: LS100 pytest-config ok
    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
    yield loop
    loop.close()
