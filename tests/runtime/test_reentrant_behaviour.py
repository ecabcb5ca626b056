"""Re-entrant mode in-process: ``run_sync(..., allow_running_loop=True)`` from sync code in a
task of ``loopsafe.run`` / ``enable_reentry`` runs the awaitable on the caller's own loop.

Every test runs real loops (asyncio's and uvloop's), real sockets and real threads, against
both the package and a freshly vendored single-file copy.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import greenlet
import pytest
from runtime_helpers import quiet

import loopsafe.runtime
import loopsafe.runtime._reentrant

uvloop = pytest.importorskip("uvloop")

LoopFactory = Callable[[], asyncio.AbstractEventLoop] | None


@pytest.fixture
def ls(impl: str, rt: ModuleType) -> ModuleType:
    """The module under test: it has run, enable_reentry, is_reentrant and run_sync."""
    return loopsafe.runtime if impl == "package" else rt


@pytest.fixture(params=["asyncio", "uvloop"])
def loop_factory(request: pytest.FixtureRequest) -> LoopFactory:
    return None if request.param == "asyncio" else uvloop.new_event_loop


@pytest.fixture(autouse=True)
def no_running_loop_warning_is_an_error() -> Iterator[None]:
    """A re-entrant call never takes the thread path, so it never warns: make sure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


class Ticker:
    """A task on the loop that counts 5 ms ticks: proof the loop keeps running."""

    def __init__(self) -> None:
        self.ticks = 0
        self.task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self.task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()


# --------------------------------------------------------------------------- (a) loop-bound objects


class EchoServer:
    """A real TCP server on the loop, upper-casing lines; closes everything it opened."""

    async def __aenter__(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.handlers: list[asyncio.Task[Any]] = []
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        return self.reader, self.writer

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while line := await reader.readline():
                writer.write(line.upper())
                await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()
        await self.writer.wait_closed()
        self.server.close()
        await self.server.wait_closed()
        await asyncio.wait(self.handlers)


class LoopBoundClient:
    """A client whose stream and queue belong to the loop that made them; like real client
    libraries, it hops to that loop when called from another one."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, queue: asyncio.Queue[str]
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.reader, self.writer, self.queue = reader, writer, queue

    async def roundtrip(self, text: str) -> tuple[bytes, str]:
        """Direct use of the loop-bound objects (only right on their own loop)."""
        self.writer.write(text.encode() + b"\n")
        await self.writer.drain()
        line = await self.reader.readline()
        return line, await self.queue.get()

    async def hop(self, text: str) -> tuple[bytes, str]:
        """On another loop, run on the client's loop and wait for the answer there."""
        if asyncio.get_running_loop() is self.loop:
            return await self.roundtrip(text)
        future = asyncio.run_coroutine_threadsafe(self.roundtrip(text), self.loop)
        return await asyncio.wrap_future(future)


def sync_roundtrip(ls: ModuleType, client: LoopBoundClient, how: str) -> tuple[bytes, str]:
    """A sync function, as in a library wrapping its async client."""
    work = client.roundtrip("ping") if how == "direct" else client.hop("ping")
    return ls.run_sync(work, allow_running_loop=True, timeout=5)  # type: ignore[no-any-return]


async def _use_client_from_sync(ls: ModuleType, how: str) -> tuple[bytes, str]:
    async with EchoServer() as (reader, writer):
        queue: asyncio.Queue[str] = asyncio.Queue()
        client = LoopBoundClient(reader, writer, queue)
        asyncio.get_running_loop().call_later(0.02, queue.put_nowait, "from the loop")
        return sync_roundtrip(ls, client, how)


@pytest.mark.parametrize("how", ["direct", "hop"])
def test_sync_code_uses_a_stream_and_queue_bound_to_its_loop(
    ls: ModuleType, loop_factory: LoopFactory, how: str
) -> None:
    result = ls.run(_use_client_from_sync(ls, how), loop_factory=loop_factory)
    assert result == (b"PING\n", "from the loop")


def test_without_reentry_the_same_code_fails_as_before(ls: ModuleType) -> None:
    """Under plain asyncio.run the thread path cannot use the caller's loop: the direct use
    fails, the hop (which needs the blocked loop) is a detected deadlock."""
    with quiet(ls), pytest.raises(RuntimeError, match="attached to a different loop"):
        asyncio.run(_use_client_from_sync(ls, "direct"))
    with quiet(ls), pytest.raises(ls.LoopDeadlockError, match="would never return"):
        asyncio.run(_use_client_from_sync(ls, "hop"))


# --------------------------------------------------------------------------- (b) the loop keeps running


def sleep_from_sync(ls: ModuleType, seconds: float) -> float:
    start = time.monotonic()
    ls.run_sync(asyncio.sleep(seconds), allow_running_loop=True)
    return time.monotonic() - start


def test_other_tasks_keep_running_during_a_reentrant_call(
    ls: ModuleType, loop_factory: LoopFactory
) -> None:
    async def main() -> tuple[int, float]:
        with Ticker() as ticker:
            await asyncio.sleep(0)
            elapsed = sleep_from_sync(ls, 0.2)
            return ticker.ticks, elapsed

    ticks, elapsed = ls.run(main(), loop_factory=loop_factory)
    assert elapsed >= 0.19
    assert ticks >= 2  # 40 at most; a loaded machine ticks less often, a frozen loop never


def test_the_thread_path_freezes_the_loop_for_comparison(ls: ModuleType) -> None:
    async def main() -> int:
        with Ticker() as ticker:
            await asyncio.sleep(0)
            with quiet(ls):
                sleep_from_sync(ls, 0.2)
            return ticker.ticks

    assert asyncio.run(main()) == 0


# --------------------------------------------------------------------------- guarantees

var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")


def test_contextvars_flow_in_and_out_as_with_await(
    ls: ModuleType, loop_factory: LoopFactory
) -> None:
    async def inner() -> str:
        seen = var.get()
        var.set("set inside")
        await asyncio.sleep(0)
        return seen

    async def main() -> tuple[str, str, str]:
        var.set("set outside")
        seen = ls.run_sync(inner(), allow_running_loop=True)
        after = var.get()
        other = await asyncio.create_task(_read_var())  # a new task copies the context
        return seen, after, other

    async def _read_var() -> str:
        return var.get()

    assert ls.run(main(), loop_factory=loop_factory) == (
        "set outside",
        "set inside",
        "set inside",
    )
    assert var.get() == "unset"  # nothing leaked into the caller of run()


class Boom(Exception):
    pass


async def fails_deep_inside() -> None:
    await asyncio.sleep(0)
    raise Boom("inner failure")


def test_exceptions_keep_their_traceback(ls: ModuleType, loop_factory: LoopFactory) -> None:
    def sync_caller() -> None:
        ls.run_sync(fails_deep_inside(), allow_running_loop=True)

    async def main() -> None:
        try:
            sync_caller()
        except Boom as exc:
            names = [frame.name for frame in traceback.extract_tb(exc.__traceback__)]
            assert names[0] == "main"
            assert "sync_caller" in names
            assert names[-1] == "fails_deep_inside"
            raise

    with pytest.raises(Boom, match="inner failure"):
        ls.run(main(), loop_factory=loop_factory)


def test_timeout_cancels_the_inner_coroutine_and_the_task_goes_on(
    ls: ModuleType, loop_factory: LoopFactory
) -> None:
    cleaned: list[str] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append("inner finally")

    async def main() -> tuple[float, str]:
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=r"timed out after 0\.1 s"):
            ls.run_sync(slow(), allow_running_loop=True, timeout=0.1)
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.01)  # the task was not left cancelled
        return elapsed, ls.run_sync(asyncio.sleep(0, "still fine"), allow_running_loop=True)

    elapsed, after = ls.run(main(), loop_factory=loop_factory)
    assert 0.09 <= elapsed < 2
    assert after == "still fine"
    assert cleaned == ["inner finally"]


def test_an_inner_timeout_error_is_not_mistaken_for_ours(ls: ModuleType) -> None:
    async def raises_its_own() -> None:
        raise TimeoutError("the server's own")

    async def main() -> None:
        ls.run_sync(raises_its_own(), allow_running_loop=True, timeout=5)

    with pytest.raises(TimeoutError, match="the server's own"):
        ls.run(main())


def test_cancelling_the_outer_task_reaches_the_inner_coroutine(
    ls: ModuleType, loop_factory: LoopFactory
) -> None:
    events: list[str] = []

    async def inner() -> None:
        try:
            events.append("inner started")
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            events.append("inner cancelled")
            raise
        finally:
            await asyncio.sleep(0)  # cleanup may still await
            events.append("inner finally")

    def sync_middle() -> None:
        try:
            ls.run_sync(inner(), allow_running_loop=True)
        finally:
            events.append("sync finally")

    async def outer() -> None:
        sync_middle()

    async def main() -> bool:
        task = asyncio.create_task(outer())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task.cancelled()

    assert ls.run(main(), loop_factory=loop_factory) is True
    assert events == ["inner started", "inner cancelled", "inner finally", "sync finally"]


def test_nested_reentry_three_levels_deep(ls: ModuleType, loop_factory: LoopFactory) -> None:
    def sync_level(depth: int, queue: asyncio.Queue[int]) -> list[int]:
        return ls.run_sync(async_level(depth, queue), allow_running_loop=True)  # type: ignore[no-any-return]

    async def async_level(depth: int, queue: asyncio.Queue[int]) -> list[int]:
        assert ls.is_reentrant()
        asyncio.get_running_loop().call_later(0.01, queue.put_nowait, depth)
        got = await queue.get()
        if depth == 3:
            return [got]
        return [got, *sync_level(depth + 1, queue)]

    async def main() -> tuple[list[int], int]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        with Ticker() as ticker:
            result = sync_level(1, queue)
            return result, ticker.ticks

    result, ticks = ls.run(main(), loop_factory=loop_factory)
    assert result == [1, 2, 3]
    assert ticks >= 1


def test_cancel_reaches_the_innermost_of_nested_levels(ls: ModuleType) -> None:
    order: list[str] = []

    async def level(depth: int) -> None:
        try:
            if depth == 3:
                await asyncio.sleep(10)
            else:
                ls.run_sync(level(depth + 1), allow_running_loop=True)
        finally:
            order.append(f"finally {depth}")

    async def main() -> None:
        task = asyncio.create_task(level(1))
        await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.wait([task])
        assert task.cancelled()

    ls.run(main())
    assert order == ["finally 3", "finally 2", "finally 1"]


def test_threads_calling_run_sync_meanwhile_take_their_own_path(
    ls: ModuleType, loop_factory: LoopFactory
) -> None:
    async def whose_loop() -> tuple[int, bool]:
        await asyncio.sleep(0.01)
        return id(asyncio.get_running_loop()), ls.is_reentrant()

    def in_thread(results: list[tuple[int, bool]]) -> None:
        for _ in range(5):  # no loop runs in this thread: its own per-thread loop
            results.append(ls.run_sync(whose_loop(), allow_running_loop=True))

    async def main() -> tuple[int, list[tuple[int, bool]], list[tuple[int, bool]]]:
        loop_id = id(asyncio.get_running_loop())
        from_threads: list[tuple[int, bool]] = []
        threads = [threading.Thread(target=in_thread, args=(from_threads,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        here = [ls.run_sync(whose_loop(), allow_running_loop=True) for _ in range(5)]
        via_to_thread = await asyncio.to_thread(ls.run_sync, whose_loop())
        for thread in threads:
            thread.join()
        return loop_id, here, [*from_threads, via_to_thread]

    loop_id, here, elsewhere = ls.run(main(), loop_factory=loop_factory)
    assert here == [(loop_id, True)] * 5
    assert len(elsewhere) == 16
    assert all(other != loop_id and not reentrant for other, reentrant in elsewhere)


# --------------------------------------------------------------------------- asyncio still sees tasks


def test_asyncio_introspection_is_unchanged(ls: ModuleType) -> None:
    async def user_coroutine(started: asyncio.Event) -> None:
        started.set()
        await asyncio.sleep(10)

    async def main() -> None:
        before = len(asyncio.all_tasks())
        started = asyncio.Event()
        task = asyncio.create_task(user_coroutine(started), name="mine")
        await started.wait()
        assert type(task) is asyncio.Task
        assert asyncio.all_tasks() == {asyncio.current_task(), task}
        assert len(asyncio.all_tasks()) == before + 1
        assert "user_coroutine" in repr(task) and "mine" in repr(task)
        assert "user_coroutine" in repr(task.get_coro())
        assert [f.f_code.co_name for f in task.get_stack()] == ["user_coroutine"]
        current = asyncio.current_task()
        assert current is not None and "main" in repr(current)
        task.cancel()
        await asyncio.wait([task])

    ls.run(main())


def test_is_reentrant_where_it_applies(ls: ModuleType) -> None:
    seen: dict[str, bool] = {}

    def callback() -> None:
        seen["callback"] = ls.is_reentrant()

    async def later() -> None:
        seen["new task"] = ls.is_reentrant()

    async def plain_main() -> None:
        seen["asyncio.run"] = ls.is_reentrant()
        assert ls.enable_reentry() is True
        seen["task that enabled"] = ls.is_reentrant()
        await asyncio.create_task(later())
        asyncio.get_running_loop().call_soon(callback)
        await asyncio.sleep(0)

    async def main() -> None:
        seen["loopsafe.run"] = ls.is_reentrant()

    asyncio.run(plain_main())
    ls.run(main())
    assert seen == {
        "asyncio.run": False,
        "task that enabled": False,
        "new task": True,
        "callback": False,
        "loopsafe.run": True,
    }
    assert ls.is_reentrant() is False  # no loop at all


def test_enable_reentry_chains_the_task_factory_already_set(ls: ModuleType) -> None:
    made: list[str] = []

    def counting_factory(
        loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        made.append(getattr(coro, "__qualname__", "?"))
        return asyncio.Task(coro, loop=loop, **kwargs)

    async def work() -> str:
        return ls.run_sync(asyncio.sleep(0.01, "re-entered"), allow_running_loop=True)  # type: ignore[no-any-return]

    async def main() -> tuple[str, bool]:
        loop = asyncio.get_running_loop()
        loop.set_task_factory(counting_factory)
        ls.enable_reentry()
        ls.enable_reentry()  # twice changes nothing
        factory = loop.get_task_factory()
        result = await asyncio.create_task(work())
        return result, factory is loop.get_task_factory()

    assert asyncio.run(main()) == ("re-entered", True)
    # The user's factory still makes every task (asyncio.run's shutdown ones too), once each.
    assert made[0].endswith("<locals>.work") and len(made) == 3


def test_fallback_says_why_once_per_call_site(ls: ModuleType, rt: ModuleType) -> None:
    def from_sync() -> int:
        return ls.run_sync(asyncio.sleep(0, 7), allow_running_loop=True)  # type: ignore[no-any-return]

    messages: list[str] = []

    async def plain() -> None:
        for _ in range(3):
            assert from_sync() == 7

    async def enabled_too_late() -> None:
        ls.enable_reentry()
        assert from_sync() == 7

    def collect(main: Callable[[], Any]) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ls.RunningLoopWarning)
            asyncio.run(main())
        messages.extend(str(w.message) for w in caught if w.category is ls.RunningLoopWarning)

    rt._warned_sites.clear()
    collect(plain)
    assert len(messages) == 1  # three calls, one site
    assert "the loop is not re-entrant: start the program with loopsafe.run()" in messages[0]
    assert "enable_reentry()" in messages[0]
    rt._warned_sites.clear()
    collect(enabled_too_late)
    assert "was created before enable_reentry()" in messages[1]
    assert "call_reentrant(func, ...)" in messages[1]


def test_call_reentrant_lets_a_plain_task_run_sync_code_that_reenters(
    ls: ModuleType, loop_factory: LoopFactory
) -> None:
    """A task made before enable_reentry (a kernel's, a server's) awaits call_reentrant."""

    def sync_cell(queue: asyncio.Queue[str], *, suffix: str) -> tuple[str, bool]:
        return ls.run_sync(queue.get(), allow_running_loop=True) + suffix, ls.is_reentrant()

    def failing_cell() -> None:
        ls.run_sync(fails_deep_inside(), allow_running_loop=True)

    async def main() -> tuple[tuple[str, bool], int, bool]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        with Ticker() as ticker:
            asyncio.get_running_loop().call_later(0.1, queue.put_nowait, "queued")
            result = await ls.call_reentrant(sync_cell, queue, suffix="!")
            ticks = ticker.ticks
        with pytest.raises(Boom):
            await ls.call_reentrant(failing_cell)
        return result, ticks, ls.is_reentrant()

    loop = asyncio.new_event_loop() if loop_factory is None else loop_factory()
    try:
        result, ticks, afterwards = loop.run_until_complete(main())
    finally:
        loop.close()
    assert result == ("queued!", True)
    assert ticks >= 1  # a frozen loop never ticks
    assert afterwards is False  # the task itself is unchanged


def test_call_reentrant_nests_inside_a_reentrant_task(ls: ModuleType) -> None:
    def sync_inner() -> str:
        return ls.run_sync(asyncio.sleep(0.01, "inner"), allow_running_loop=True)  # type: ignore[no-any-return]

    async def middle() -> str:
        return await ls.call_reentrant(sync_inner)  # type: ignore[no-any-return]

    def sync_outer() -> str:
        return ls.run_sync(middle(), allow_running_loop=True)  # type: ignore[no-any-return]

    async def main() -> str:
        return await ls.call_reentrant(sync_outer)  # type: ignore[no-any-return]

    assert ls.run(main()) == "inner"


def test_no_greenlet_outlives_its_task(ls: ModuleType) -> None:
    async def inner(i: int) -> int:
        await asyncio.sleep(0)
        return i

    async def worker(i: int) -> int:
        return ls.run_sync(inner(i), allow_running_loop=True) + 0  # type: ignore[no-any-return]

    async def main() -> list[int]:
        return list(await asyncio.gather(*(worker(i) for i in range(300))))

    assert ls.run(main()) == list(range(300))
    gc.collect()
    live = [
        g
        for g in gc.get_objects()
        if isinstance(g, greenlet.greenlet) and g and g is not greenlet.getcurrent()
    ]
    # Only idle pooled greenlets remain, each bounded and holding nothing of a task.
    assert len(live) <= 2 * 256
    assert all(g.box[1:] == [None, None] and g.gr_context is None for g in live)


@pytest.mark.parametrize("reentrant", [False, True])
def test_an_abandoned_pending_task_is_collected_as_under_plain_asyncio(
    ls: ModuleType, reentrant: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A task left pending when its loop closes is freed, and its coroutine closed (its
    `finally` runs), whether or not the loop is re-entrant: the greenlet does not pin it."""
    events: list[str] = []

    async def waiter() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            events.append("closed")

    loop = asyncio.new_event_loop()
    if reentrant:
        ls.enable_reentry(loop)
    task = loop.create_task(waiter())
    loop.run_until_complete(asyncio.sleep(0.01))
    loop.close()
    del task, loop
    gc.collect()
    assert events == ["closed"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+")
def test_an_outer_timeout_cancels_through_the_sync_frames(ls: ModuleType) -> None:
    cleaned: list[str] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append("inner finally")

    async def main() -> float:
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                ls.run_sync(slow(), allow_running_loop=True)
        return time.monotonic() - start

    assert ls.run(main()) < 2
    assert cleaned == ["inner finally"]


def test_any_awaitable_works_futures_and_tasks_too(ls: ModuleType) -> None:
    async def main() -> tuple[str, str]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        loop.call_later(0.01, future.set_result, "future")
        task = asyncio.create_task(asyncio.sleep(0.01, "task"))
        return (
            ls.run_sync(future, allow_running_loop=True),
            ls.run_sync(task, allow_running_loop=True),
        )

    assert ls.run(main()) == ("future", "task")


def test_a_greenlet_of_its_own_inside_a_task_takes_the_thread_path(
    ls: ModuleType, rt: ModuleType
) -> None:
    """Code that runs its own greenlets (SQLAlchemy's asyncio layer does) is not a task's
    level: run_sync there cannot switch to the loop, so it uses the thread path and says so."""

    def in_own_greenlet() -> tuple[int, bool]:
        return ls.run_sync(asyncio.sleep(0, 5), allow_running_loop=True), ls.is_reentrant()

    async def main() -> tuple[int, bool]:
        return greenlet.greenlet(in_own_greenlet).switch()  # type: ignore[no-any-return]

    rt._warned_sites.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ls.RunningLoopWarning)
        assert ls.run(main()) == (5, False)
    assert len(caught) == 1
    assert "runs in a greenlet of its own" in str(caught[0].message)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are 3.12+")
def test_eager_tasks_reenter_in_their_first_step(ls: ModuleType) -> None:
    """With asyncio's eager task factory chained, a task's first step runs inside the code
    that creates it (here: another re-entrant task) and may re-enter right there."""
    order: list[str] = []

    def sync_step(label: str) -> str:
        order.append(f"{label} calls")
        value = ls.run_sync(asyncio.sleep(0.01, label), allow_running_loop=True)
        order.append(f"{label} returns")
        return value  # type: ignore[no-any-return]

    async def child(label: str) -> str:
        return sync_step(label)

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
        ls.enable_reentry()
        parent = asyncio.create_task(parent_task())
        return await parent  # type: ignore[no-any-return]

    async def parent_task() -> list[str]:
        first = asyncio.create_task(child("a"))
        order.append("created a")  # a's eager first step is already waiting in run_sync
        second = asyncio.create_task(child("b"))
        return [await first, await second, sync_step("parent")]

    assert asyncio.run(main()) == ["a", "b", "parent"]
    assert order[:3] == ["a calls", "created a", "b calls"]
    assert sorted(order[3:5]) == ["a returns", "b returns"]
    assert order[5:] == ["parent calls", "parent returns"]


def test_tasks_hold_no_greenlet_between_steps(ls: ModuleType) -> None:
    """Between steps a task holds no greenlet (idle ones in a per-thread pool run every
    step), so 500 pending tasks hold none; only a pending re-entry parks one."""
    machinery = ls if hasattr(ls, "_idle") else loopsafe.runtime._reentrant

    def busy_levels() -> int:
        """Level greenlets alive, not idle in the pool, other than the one running this."""
        gc.collect()
        level_type = machinery._loaded[1]
        idle = {id(g) for g in getattr(machinery._idle, "pool", ())}
        return sum(
            1
            for g in gc.get_objects()
            if type(g) is level_type and g and id(g) not in idle and g is not greenlet.getcurrent()
        )

    async def wait(event: asyncio.Event) -> None:
        await event.wait()

    def sync_wait(event: asyncio.Event) -> None:
        ls.run_sync(event.wait(), allow_running_loop=True)

    async def reentering(event: asyncio.Event) -> None:
        sync_wait(event)

    async def main() -> tuple[int, int]:
        event = asyncio.Event()
        tasks = [asyncio.create_task(wait(event)) for _ in range(500)]
        await asyncio.sleep(0)
        plain = busy_levels()
        tasks += [asyncio.create_task(reentering(event)) for _ in range(5)]
        await asyncio.sleep(0)
        parked = busy_levels()
        event.set()
        await asyncio.gather(*tasks)
        return plain, parked

    assert ls.run(main()) == (0, 5)


def test_reentry_before_the_first_await_and_without_any(ls: ModuleType) -> None:
    """A re-entered coroutine's first step runs in the caller's greenlet: finishing there,
    failing there, or re-entering again there all behave as later steps do."""

    def sync_call(coro: Any) -> Any:
        return ls.run_sync(coro, allow_running_loop=True)

    async def nests_first(depth: int) -> list[Any]:
        if depth == 0:
            return ["bottom"]
        inner = sync_call(nests_first(depth - 1))  # before any await
        await asyncio.sleep(0)
        return [depth, *inner]

    async def no_await(x: int) -> int:
        return x + 1

    async def fails_at_once() -> None:
        raise Boom("at once")

    async def main() -> tuple[list[Any], int]:
        with pytest.raises(Boom) as info:
            sync_call(fails_at_once())
        assert traceback.extract_tb(info.value.__traceback__)[-1].name == "fails_at_once"
        return sync_call(nests_first(4)), sum(sync_call(no_await(i)) for i in range(100))

    assert ls.run(main()) == ([4, 3, 2, 1, "bottom"], 5050)
