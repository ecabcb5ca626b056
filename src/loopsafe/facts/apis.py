"""The event-loop and concurrency APIs loopsafe knows, by canonical dotted name."""

from __future__ import annotations

import re

from loopsafe.facts.model import LoopApi

# Functions that run a coroutine to completion on a loop of their own.
RUN_APIS: dict[str, LoopApi] = {
    "asyncio.run": LoopApi.ASYNCIO_RUN,
    "asyncio.runners.run": LoopApi.ASYNCIO_RUN,
    "asyncio.Runner": LoopApi.RUNNER,
    "asyncio.runners.Runner": LoopApi.RUNNER,
    "anyio.run": LoopApi.ANYIO_RUN,
    "trio.run": LoopApi.TRIO_RUN,
    "uvloop.run": LoopApi.UVLOOP_RUN,
}

FETCH_APIS = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
CREATE_APIS = frozenset(
    {"asyncio.new_event_loop", "asyncio.events.new_event_loop", "uvloop.new_event_loop"}
)
SET_APIS = frozenset({"asyncio.set_event_loop", "asyncio.events.set_event_loop"})
PATCH_APIS = frozenset({"nest_asyncio.apply"})
POLICY_APIS = frozenset({"asyncio.get_event_loop_policy", "asyncio.events.get_event_loop_policy"})
# Policy classes: a value annotated with one is a policy.
POLICY_CLASSES = frozenset(
    {
        "asyncio.AbstractEventLoopPolicy",
        "asyncio.events.AbstractEventLoopPolicy",
        "asyncio.DefaultEventLoopPolicy",
        "asyncio.BaseDefaultEventLoopPolicy",
        "asyncio.events.BaseDefaultEventLoopPolicy",
    }
)
RUNNING_LOOP_APIS = frozenset(
    {"asyncio.get_running_loop", "asyncio.events.get_running_loop", "uvloop.get_running_loop"}
)
# Calls that tell whether a loop is running in this thread.
RUNNING_CHECKS = frozenset(
    {
        *RUNNING_LOOP_APIS,
        "asyncio._get_running_loop",
        "asyncio.events._get_running_loop",
        "asyncio.current_task",
        "asyncio.tasks.current_task",
        "sniffio.current_async_library",
    }
)
COROUTINE_THREADSAFE = frozenset(
    {"asyncio.run_coroutine_threadsafe", "asyncio.tasks.run_coroutine_threadsafe"}
)

# Callables whose argument at the given position (or keyword) runs in another thread or process.
THREAD_FUNCTIONS: dict[str, tuple[int, str]] = {
    "asyncio.to_thread": (0, ""),
    "asyncio.threads.to_thread": (0, ""),
    "threading.Thread": (-1, "target"),
    "threading.Timer": (1, "function"),
    "multiprocessing.Process": (-1, "target"),
    "anyio.to_thread.run_sync": (0, ""),
    "starlette.concurrency.run_in_threadpool": (0, ""),
    "fastapi.concurrency.run_in_threadpool": (0, ""),
    "asgiref.sync.sync_to_async": (0, "func"),
    "fastapi.Depends": (0, "dependency"),
    "fastapi.params.Depends": (0, "dependency"),
    "fastapi.Security": (0, "dependency"),
    # Django runs a sync view in a worker thread under ASGI, in the request's thread under
    # WSGI: no loop is running in either.
    "django.urls.path": (1, "view"),
    "django.urls.re_path": (1, "view"),
    "django.conf.urls.url": (1, "view"),
}
# A thread of its own, which ends when the function returns (no pool reuses it).
DEDICATED_THREADS = frozenset({"threading.Thread", "threading.Timer", "multiprocessing.Process"})
# Methods (any receiver) whose function argument runs in another thread.
THREAD_METHODS: dict[str, tuple[int, str]] = {
    "run_in_executor": (1, ""),
    "submit": (0, "fn"),
    "add_task": (0, "func"),
    "apply_async": (0, "func"),  # multiprocessing pools
    "add_job": (0, "func"),  # APScheduler runs sync jobs in its thread pool executor
}
# `.map(f, ...)` only on receivers that look like executors or pools.
EXECUTOR_NAME = re.compile(r"(executor|pool)$", re.IGNORECASE)
EXECUTOR_CLASSES = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "multiprocessing.pool.ThreadPool",
        "multiprocessing.Pool",
    }
)
# Methods of a running loop whose function argument runs inside that loop.
LOOP_CALLBACK_METHODS: dict[str, int] = {
    "call_soon": 0,
    "call_soon_threadsafe": 0,
    "call_later": 1,
    "call_at": 1,
    "add_done_callback": 0,
    "add_signal_handler": 1,
    "add_reader": 1,
    "add_writer": 1,
    "set_exception_handler": 0,
    "on_recv": 0,  # pyzmq ZMQStream: the callback runs in the stream's loop
    "on_recv_stream": 0,
    "on_send": 0,
}
# Methods that hand a function to a task queue: the function runs in a worker.
WORKER_METHODS: dict[str, tuple[int, str]] = {
    "enqueue": (0, "f"),
    "enqueue_call": (0, "func"),
    "enqueue_in": (1, "f"),
    "enqueue_at": (1, "f"),
}

# Decorators (dotted, without call parentheses) that make a task-queue worker.
WORKER_DECORATORS = frozenset(
    {
        "celery.shared_task",
        "celery.app.shared_task",
        "celery.task",
        "dramatiq.actor",
        "rq.job",
        "rq.decorators.job",
        "huey.api.task",
        "huey.contrib.djhuey.task",
        "huey.contrib.djhuey.periodic_task",
        "huey.contrib.djhuey.db_task",
        "huey.contrib.djhuey.db_periodic_task",
    }
)
# Factories of objects whose `.task` / `.actor` / ... decorators make workers.
WORKER_APPS: dict[str, frozenset[str]] = {
    "celery.Celery": frozenset({"task"}),
    "celery.app.Celery": frozenset({"task"}),
    "huey.Huey": frozenset({"task", "periodic_task", "db_task", "db_periodic_task"}),
    "huey.RedisHuey": frozenset({"task", "periodic_task", "db_task", "db_periodic_task"}),
    "huey.SqliteHuey": frozenset({"task", "periodic_task", "db_task", "db_periodic_task"}),
    "huey.MemoryHuey": frozenset({"task", "periodic_task", "db_task", "db_periodic_task"}),
    "huey.PriorityRedisHuey": frozenset({"task", "periodic_task", "db_task", "db_periodic_task"}),
    "dramatiq.Broker": frozenset({"actor"}),
}

# Web frameworks that run plain `def` routes in a thread pool.
ROUTE_APPS = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
        "fastapi.applications.FastAPI",
        "starlette.applications.Starlette",
        "starlette.routing.Router",
        # Flask runs a sync view in the request's thread, Quart in its thread pool: no
        # loop is running in either.
        "flask.Flask",
        "flask.app.Flask",
        "flask.Blueprint",
        "flask.blueprints.Blueprint",
        "quart.Quart",
        "quart.app.Quart",
        "quart.Blueprint",
        "quart.blueprints.Blueprint",
    }
)
ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "route"}
)

# CLI frameworks.
CLICK_COMMANDS = frozenset(
    {
        "click.command",
        "click.group",
        "click.decorators.command",
        "click.decorators.group",
        "rich_click.command",
        "rich_click.group",
    }
)
TYPER_APPS = frozenset({"typer.Typer", "typer.main.Typer"})
ARGPARSE_PARSERS = frozenset({"argparse.ArgumentParser"})

PYTEST_FIXTURES = frozenset(
    {"pytest.fixture", "_pytest.fixtures.fixture", "pytest_asyncio.fixture"}
)
PYTEST_ASYNCIO_MARK = "pytest.mark.asyncio"

# Decorators that hand the function to a thread (it no longer runs in the caller's context).
THREAD_DECORATORS = frozenset({"asgiref.sync.sync_to_async"})

# APIs by the Python version that added them: `hasattr(inspect, "markcoroutinefunction")`
# is a version check (its else branch runs only on older Pythons).
ADDED_IN: dict[str, tuple[int, ...]] = {
    "inspect.markcoroutinefunction": (3, 12),
    "asyncio.Runner": (3, 11),
    "asyncio.TaskGroup": (3, 11),
    "asyncio.timeout": (3, 11),
    "asyncio.EventLoop": (3, 13),
    "asyncio.to_thread": (3, 9),
    "sys.monitoring": (3, 12),
}

# Decorators that make a generator a coroutine the loop runs (`yield from`, no `await`).
GENERATOR_COROUTINES = frozenset(
    {"types.coroutine", "asyncio.coroutine", "asyncio.coroutines.coroutine"}
)

# APIs by the Python version that removed them: `hasattr(asyncio, "coroutine")` is a
# version check (its body runs only on older Pythons), and so is a `try:` that imports one
# by name and handles the ImportError (its body and else branch).
_CHILD_WATCHERS = (
    "AbstractChildWatcher",
    "SafeChildWatcher",
    "FastChildWatcher",
    "ThreadedChildWatcher",
    "PidfdChildWatcher",
    "MultiLoopChildWatcher",
    "get_child_watcher",
    "set_child_watcher",
)
REMOVED_IN: dict[str, tuple[int, ...]] = {
    "asyncio.coroutine": (3, 11),
    "asyncio.coroutines.coroutine": (3, 11),
    **{f"asyncio.{name}": (3, 14) for name in _CHILD_WATCHERS},
    **{f"asyncio.unix_events.{name}": (3, 14) for name in _CHILD_WATCHERS[:6]},
    **{f"asyncio.events.{name}": (3, 14) for name in _CHILD_WATCHERS[6:]},
}

# Bytes that must occur in a file for it to hold a site: the prefilter.
TRIGGER_TOKENS: tuple[bytes, ...] = (
    b"asyncio",
    b"run_until_complete",
    b"run_forever",
    b"event_loop",
    b"anyio",
    b"trio",
    b"uvloop",
    b"nest_asyncio",
)
