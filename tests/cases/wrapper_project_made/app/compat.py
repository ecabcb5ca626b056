"""The project's own sync wrappers: a decorator and a helper applied to a function."""

import asyncio
import functools


def sync_wrapper(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))  # expect: LS107 sync-wrapper review

    return wrapper


def run_sync(fn):
    def runner(*args):
        loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
        try:
            return loop.run_until_complete(fn(*args))  # expect: LS107 sync-wrapper review
        finally:
            loop.close()

    return runner
