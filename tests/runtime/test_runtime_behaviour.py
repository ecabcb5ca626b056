"""Behaviour matrix of run_sync / require_running_loop, for the package and the vendored copy.

Contexts: no loop in the calling thread; inside a running loop (refused, or on the background
loop with allow_running_loop=True); a worker thread while the main thread runs a loop.
This module is also re-run under `python -W error -X dev` by test_runtime_process.py.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import os
import socketserver
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Generator
from types import ModuleType
from typing import Any, TypeVar

import pytest
from runtime_helpers import DEV_RERUN, quiet

T = TypeVar("T")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


def in_loop(body: Callable[[], T]) -> T:
    """Run sync `body` from inside a coroutine, i.e. with a loop running in this thread."""

    async def main() -> T:
        return body()

    return asyncio.run(main())


def line_of(marker: str) -> int:
    """Line number in this file of the line ending with the comment `# <marker>`."""
    with open(__file__, encoding="utf-8") as handle:
        lines = [n for n, text in enumerate(handle, 1) if text.rstrip().endswith(f"# {marker}")]
    assert len(lines) == 1, marker
    return lines[0]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def open_loops() -> int:
    gc.collect()
    return sum(
        1
        for obj in gc.get_objects()
        if isinstance(obj, asyncio.AbstractEventLoop) and not obj.is_closed()
    )


@pytest.fixture
def no_unawaited_warnings() -> Generator[list[warnings.WarningMessage], None, None]:
    """Fail if a 'coroutine ... was never awaited' warning shows up during the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
        gc.collect()
    never = [w for w in caught if "never awaited" in str(w.message)]
    assert never == []


# --------------------------------------------------------------------------- no loop running


def test_no_loop_returns_result(rt: ModuleType) -> None:
    assert rt.run_sync(double(21)) == 42


def test_accepts_any_awaitable(rt: ModuleType) -> None:
    class Ready:
        def __await__(self) -> Generator[Any, None, str]:
            yield from asyncio.sleep(0).__await__()
            return "done"

    assert rt.run_sync(Ready()) == "done"


def test_rejects_non_awaitables_with_a_hint(rt: ModuleType) -> None:
    with pytest.raises(TypeError, match=r"call it: run_sync\(double\(\.\.\.\)\)"):
        rt.run_sync(double)
    with pytest.raises(TypeError, match="needs an awaitable, got int"):
        rt.run_sync(42)


def test_loop_bound_objects_keep_working_across_calls(rt: ModuleType) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    lock = asyncio.Lock()

    async def use_queue(value: int) -> int:
        async with lock:
            await queue.put(value)
            return await queue.get()

    # Bind the queue's and the lock's waiters to the loop: contention creates futures.
    async def contend() -> None:
        async with lock:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.sleep(0)
            await queue.put(-1)
            assert await getter == -1

    rt.run_sync(contend(), timeout=10)
    assert [rt.run_sync(use_queue(i), timeout=10) for i in range(3)] == [0, 1, 2]

    # An open stream: the connection made in one call is used in the next ones.
    class Echo(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for line in self.rfile:
                self.wfile.write(line)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo) as server:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]

        async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            return await asyncio.open_connection("127.0.0.1", port)

        async def echo(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> bytes:
            writer.write(b"ping\n")
            await writer.drain()
            return await reader.readline()

        async def close(writer: asyncio.StreamWriter) -> None:
            writer.close()
            await writer.wait_closed()

        reader, writer = rt.run_sync(connect(), timeout=10)
        assert rt.run_sync(echo(writer, reader), timeout=10) == b"ping\n"
        assert rt.run_sync(echo(writer, reader), timeout=10) == b"ping\n"
        rt.run_sync(close(writer), timeout=10)
        server.shutdown()


def test_fresh_loop_gives_asyncio_run_semantics(rt: ModuleType) -> None:
    async def loop_id() -> int:
        return id(asyncio.get_running_loop())

    kept = {rt.run_sync(loop_id()) for _ in range(3)}
    assert len(kept) == 1
    event = asyncio.Event()

    async def wait_briefly() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), 0.01)

    rt.run_sync(wait_briefly(), fresh_loop=True)
    with pytest.raises(RuntimeError, match=r"different (event )?loop"):  # the asyncio.run fault
        rt.run_sync(wait_briefly(), fresh_loop=True)
    assert rt.run_sync(double(2), fresh_loop=True, timeout=5) == 4


def test_leftover_tasks_are_cancelled_and_awaited_before_return(rt: ModuleType) -> None:
    ticks: list[int] = []
    cleaned: list[str] = []
    spawned: list[asyncio.Future[None]] = []

    async def ticker() -> None:
        try:
            while True:
                ticks.append(1)
                await asyncio.sleep(0.001)
        finally:
            await asyncio.sleep(0)  # cleanup that itself awaits still completes
            cleaned.append("ticker")

    async def spawn() -> str:
        spawned.append(asyncio.get_running_loop().create_task(ticker()))
        spawned.append(asyncio.ensure_future(ticker()))
        await asyncio.sleep(0.01)
        return "ok"

    assert rt.run_sync(spawn()) == "ok"
    assert cleaned == ["ticker", "ticker"]
    count = len(ticks)
    time.sleep(0.02)
    rt.run_sync(asyncio.sleep(0.01))  # nothing left over resumes in the next call
    assert len(ticks) == count


def test_contextvars_are_copied_in_and_not_leaked_out(rt: ModuleType) -> None:
    async def read_and_set() -> str:
        seen = request_id.get()
        request_id.set("inner")
        return seen

    token = request_id.set("outer")
    try:
        assert rt.run_sync(read_and_set()) == "outer"
        assert request_id.get() == "outer"

        def body() -> str:
            with quiet(rt):
                return str(rt.run_sync(read_and_set(), allow_running_loop=True))

        assert in_loop(body) == "outer"
        assert request_id.get() == "outer"
    finally:
        request_id.reset(token)


async def deep_failure() -> None:
    await asyncio.sleep(0)
    raise ValueError("boom from deep_failure")


async def calls_deep_failure() -> None:
    await deep_failure()


def test_original_exception_and_traceback_no_loop(rt: ModuleType) -> None:
    with pytest.raises(ValueError, match="boom from deep_failure") as info:
        rt.run_sync(calls_deep_failure())
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert names[-2:] == ["calls_deep_failure", "deep_failure"]


def test_original_exception_and_traceback_background(rt: ModuleType) -> None:
    def body() -> BaseException:
        with quiet(rt), pytest.raises(ValueError, match="boom from deep_failure") as info:
            rt.run_sync(calls_deep_failure(), allow_running_loop=True)
        return info.value

    error = in_loop(body)
    names = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    assert names[-2:] == ["calls_deep_failure", "deep_failure"]
    assert names[0] == "body"  # the caller's frame, then the coroutine's


def test_no_loop_timeout_cancels(rt: ModuleType) -> None:
    events: list[str] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"timed out after 0\.05 s") as info:
        rt.run_sync(slow(), timeout=0.05)
    assert time.monotonic() - start < 2
    assert events == ["cancelled"]
    assert info.value.__context__ is None
    assert rt.run_sync(double(1), timeout=5) == 2


def test_coroutine_own_cancellation_propagates(rt: ModuleType) -> None:
    async def cancels_itself() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(0)

    with pytest.raises(asyncio.CancelledError):
        rt.run_sync(cancels_itself())
    assert rt.run_sync(double(3)) == 6


# --------------------------------------------------------------------------- loop running


def test_refuses_inside_a_loop_naming_the_call_site(
    rt: ModuleType, no_unawaited_warnings: list[warnings.WarningMessage]
) -> None:
    coro = double(1)

    def body() -> RuntimeError:
        with pytest.raises(RuntimeError) as info:
            rt.run_sync(coro)  # refused-here
        return info.value

    error = in_loop(body)
    assert f"{__file__}:{line_of('refused-here')}" in str(error)
    assert "`await`" in str(error)
    assert "run_sync(double())" in str(error)
    assert error.__context__ is None and error.__cause__ is None
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED


@pytest.mark.asyncio
async def test_refuses_inside_a_pytest_asyncio_test(rt: ModuleType) -> None:
    with pytest.raises(RuntimeError, match="while an event loop is running"):
        rt.run_sync(double(1))


def test_allow_running_loop_uses_one_background_thread(rt: ModuleType) -> None:
    async def where() -> tuple[int, str]:
        return threading.get_ident(), threading.current_thread().name

    def body() -> set[tuple[int, str]]:
        before = threading.active_count()
        with quiet(rt):
            seen = {rt.run_sync(where(), allow_running_loop=True) for _ in range(50)}
        assert threading.active_count() <= before + 1
        # The caller's loop is left as it was: no method of it is replaced.
        loop = asyncio.get_running_loop()
        assert [name for name in vars(loop) if callable(getattr(type(loop), name, None))] == []
        return seen

    seen = in_loop(body)
    assert len(seen) == 1
    ident, name = seen.pop()
    assert ident != threading.get_ident()
    assert name == "loopsafe-run_sync-1"
    with quiet(rt):
        assert in_loop(lambda: rt.run_sync(double(4), allow_running_loop=True)) == 8


def test_warns_once_per_call_site(rt: ModuleType) -> None:
    def body() -> list[warnings.WarningMessage]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                rt.run_sync(double(1), allow_running_loop=True)  # site-one
                rt.run_sync(double(2), allow_running_loop=True)  # site-two
        return [w for w in caught if issubclass(w.category, rt.RunningLoopWarning)]

    found = in_loop(body)
    assert len(found) == 2
    sites = [(__file__, line_of("site-one")), (__file__, line_of("site-two"))]
    assert [(w.filename, w.lineno) for w in found] == sites
    assert "`await`" in str(found[0].message)


def test_background_timeout_cancels_the_coroutine(rt: ModuleType) -> None:
    events: list[str] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            events.append("finally")

    def body() -> float:
        start = time.monotonic()
        with quiet(rt), pytest.raises(TimeoutError, match=r"timed out after 0\.1 s"):
            rt.run_sync(slow(), allow_running_loop=True, timeout=0.1)
        return time.monotonic() - start

    elapsed = in_loop(body)
    assert 0.1 <= elapsed < 2
    assert events == ["finally"]


def test_background_keyboard_interrupt_in_coroutine_is_reraised(rt: ModuleType) -> None:
    async def interrupt() -> None:
        raise KeyboardInterrupt

    def body() -> int:
        with quiet(rt):
            with pytest.raises(KeyboardInterrupt):
                rt.run_sync(interrupt(), allow_running_loop=True)
            return int(rt.run_sync(double(5), allow_running_loop=True))  # loop survived

    assert in_loop(body) == 10


def test_background_leftover_tasks_are_cancelled(rt: ModuleType) -> None:
    cleaned: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append("leftover")

    spawned: list[asyncio.Future[None]] = []

    async def spawn() -> str:
        spawned.append(asyncio.ensure_future(forever()))
        await asyncio.sleep(0)
        return "ok"

    def body() -> str:
        with quiet(rt):
            return str(rt.run_sync(spawn(), allow_running_loop=True))

    assert in_loop(body) == "ok"
    assert cleaned == ["leftover"]


def test_nested_background_call_does_not_self_deadlock(rt: ModuleType) -> None:
    def sync_helper() -> int:
        return int(rt.run_sync(double(3), allow_running_loop=True))

    async def uses_sync_helper() -> tuple[int, str]:
        return sync_helper(), threading.current_thread().name

    def body() -> tuple[int, str]:
        with quiet(rt):
            return tuple(rt.run_sync(uses_sync_helper(), allow_running_loop=True))  # type: ignore[return-value]

    assert in_loop(body) == (6, "loopsafe-run_sync-1")


def test_worker_thread_while_main_thread_runs_a_loop(rt: ModuleType) -> None:
    async def where(x: int) -> tuple[int, int]:
        await asyncio.sleep(0)
        return x, threading.get_ident()

    def worker(x: int) -> tuple[int, int, int]:
        value, ident = rt.run_sync(where(x))
        return value, ident, threading.get_ident()

    async def main() -> list[tuple[int, int, int]]:
        return list(await asyncio.gather(*(asyncio.to_thread(worker, i) for i in range(8))))

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no RunningLoopWarning: no loop there
        results = asyncio.run(main())
    assert [value for value, _, _ in results] == list(range(8))
    assert all(ident == worker_ident for _, ident, worker_ident in results)


# --------------------------------------------------------------------------- deadlocks


@pytest.mark.parametrize("shape", ["direct", "gather", "task"])
def test_deadlock_awaiting_work_on_the_blocked_loop_is_detected(rt: ModuleType, shape: str) -> None:
    async def main() -> tuple[float, str, int]:
        loop = asyncio.get_running_loop()

        async def on_caller_loop() -> int:
            future = asyncio.run_coroutine_threadsafe(double(5), loop)
            return await asyncio.wrap_future(future)

        async def needs_caller_loop() -> int:
            if shape == "gather":
                return sum(await asyncio.gather(on_caller_loop(), double(1)))
            if shape == "task":
                return await asyncio.ensure_future(on_caller_loop())
            return await on_caller_loop()

        start = time.monotonic()
        with quiet(rt), pytest.raises(rt.LoopDeadlockError) as info:
            rt.run_sync(needs_caller_loop(), allow_running_loop=True)
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.05)  # the work that was queued on this loop now runs fine
        return elapsed, str(info.value), await double(1)

    elapsed, message, after = asyncio.run(main())
    assert elapsed < 2
    assert "would never return" in message and "`await`" in message
    assert after == 2


def test_deadlock_blocking_on_the_blocked_loop_is_detected(rt: ModuleType) -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()

        async def blocks_on_caller_loop() -> int:
            return asyncio.run_coroutine_threadsafe(double(5), loop).result()

        start = time.monotonic()
        with quiet(rt), pytest.raises(rt.LoopDeadlockError, match="blocked waiting for"):
            rt.run_sync(blocks_on_caller_loop(), allow_running_loop=True)
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.05)  # unblocks the background thread
        return elapsed

    assert asyncio.run(main()) < 2
    with quiet(rt):
        assert in_loop(lambda: rt.run_sync(double(2), allow_running_loop=True)) == 4


def test_undetectable_deadlock_is_bounded_by_timeout_with_an_explanation(
    rt: ModuleType,
) -> None:
    async def main() -> str:
        loop = asyncio.get_running_loop()

        def in_a_thread() -> int:
            return asyncio.run_coroutine_threadsafe(double(5), loop).result()

        async def hidden() -> int:
            return await asyncio.to_thread(in_a_thread)

        with quiet(rt), pytest.raises(TimeoutError) as info:
            rt.run_sync(hidden(), allow_running_loop=True, timeout=0.3)
        await asyncio.sleep(0.05)
        return str(info.value)

    message = asyncio.run(main())
    assert "Probable deadlock" in message and "blocking it" in message


def test_awaiting_a_future_of_the_caller_loop_explains_itself(rt: ModuleType) -> None:
    async def main() -> BaseException:
        future = asyncio.get_running_loop().create_future()

        async def awaits_it() -> None:
            await future

        with quiet(rt), pytest.raises(RuntimeError, match="different loop") as info:
            rt.run_sync(awaits_it(), allow_running_loop=True)
        return info.value

    error = asyncio.run(main())
    if sys.version_info >= (3, 11):
        assert any("background loop" in note for note in error.__notes__)


def test_long_suspicious_wait_warns(rt: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rt, "_SUSPECT_WARN_AFTER", 0.2)

    async def main() -> list[warnings.WarningMessage]:
        loop = asyncio.get_running_loop()

        async def fire_and_forget_then_sleep() -> None:
            loop.call_soon_threadsafe(len, "")  # queued on the blocked loop, not awaited
            await asyncio.sleep(0.5)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rt.run_sync(fire_and_forget_then_sleep(), allow_running_loop=True)
        await asyncio.sleep(0.05)
        return [w for w in caught if "may be waiting" in str(w.message)]

    found = asyncio.run(main())
    assert len(found) == 1 and found[0].filename == __file__


# --------------------------------------------------------------------------- require_running_loop


def test_require_running_loop(rt: ModuleType) -> None:
    @rt.require_running_loop
    def schedule(x: int) -> asyncio.Future[int]:
        future = asyncio.get_running_loop().create_future()
        future.set_result(x)
        return future

    with pytest.raises(RuntimeError) as info:
        schedule(1)  # outside-loop
    message = str(info.value)
    assert "schedule() must be called from async code" in message
    assert f"{__file__}:{line_of('outside-loop')}" in message
    assert info.value.__context__ is None

    async def main() -> int:
        return await schedule(7)

    assert asyncio.run(main()) == 7
    assert schedule.__name__ == "schedule"


def test_require_running_loop_rejects_async_functions(rt: ModuleType) -> None:
    with pytest.raises(TypeError, match="is async"):
        rt.require_running_loop(double)


# --------------------------------------------------------------------------- threads and leaks


def test_threads_hammering_concurrently(rt: ModuleType) -> None:
    threads_n, calls = (64, 100) if DEV_RERUN else (64, 1000)
    rt.run_sync(double(0))  # this thread's loop exists before the baseline
    fds, threads, loops = open_fds(), threading.active_count(), open_loops()
    errors: list[BaseException] = []
    totals = [0] * threads_n

    async def compute(i: int, k: int) -> int:
        if k % 10 == 0:
            await asyncio.sleep(0)
        return i * 100_000 + k

    def worker(i: int) -> None:
        try:
            for k in range(calls):
                result = rt.run_sync(compute(i, k))
                assert result == i * 100_000 + k
                totals[i] += 1
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert totals == [calls] * threads_n
    assert threading.active_count() <= threads
    assert open_fds() <= fds  # each thread closed its loop when it ended
    assert open_loops() <= loops


def test_background_loop_shared_by_many_threads_with_their_own_loops(rt: ModuleType) -> None:
    threads_n, calls = (16, 20) if DEV_RERUN else (16, 200)
    errors: list[BaseException] = []
    done = [0] * threads_n

    async def tagged(k: int) -> tuple[str, int]:
        if k % 5 == 0:
            await asyncio.sleep(0)
        return request_id.get(), k

    def thread_main(i: int) -> None:
        async def main() -> None:
            request_id.set(f"thread-{i}")
            for k in range(calls):  # each call blocks this thread's own running loop
                assert rt.run_sync(tagged(k), allow_running_loop=True) == (f"thread-{i}", k)
                done[i] += 1

        try:
            with quiet(rt):
                asyncio.run(main())
        except BaseException as exc:
            errors.append(exc)

    with quiet(rt):
        in_loop(lambda: rt.run_sync(double(0), allow_running_loop=True))
    threads = threading.active_count()
    pool = [threading.Thread(target=thread_main, args=(i,)) for i in range(threads_n)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert done == [calls] * threads_n
    assert threading.active_count() <= threads  # still the one background thread


def test_ten_thousand_calls_leak_nothing(rt: ModuleType) -> None:
    n = 2_000 if DEV_RERUN else 10_000
    rt.run_sync(double(0))
    with quiet(rt):
        in_loop(lambda: rt.run_sync(double(0), allow_running_loop=True))
    fds, threads, loops = open_fds(), threading.active_count(), open_loops()

    async def trivial() -> int:
        return 1

    assert sum(rt.run_sync(trivial()) for _ in range(n)) == n

    def body() -> int:
        with quiet(rt):
            return sum(rt.run_sync(trivial(), allow_running_loop=True) for _ in range(n))

    assert in_loop(body) == n
    assert threading.active_count() <= threads
    assert open_fds() <= fds
    assert open_loops() <= loops


def test_thread_exit_closes_its_loop_and_async_generators(rt: ModuleType) -> None:
    closed: list[str] = []
    keep: list[Any] = []

    async def numbers() -> Any:
        try:
            yield 1
            yield 2
        finally:
            closed.append("agen")

    async def start_generator_and_executor() -> int:
        generator = numbers()
        keep.append(generator)  # alive, half-consumed, when the thread ends
        first: int = await generator.__anext__()
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0)
        return first

    fds, threads, loops = open_fds(), threading.active_count(), open_loops()
    results: list[int] = []
    thread = threading.Thread(
        target=lambda: results.append(rt.run_sync(start_generator_and_executor()))
    )
    thread.start()
    thread.join()
    assert results == [1]
    assert closed == ["agen"]  # shut down when the thread's loop closed
    keep.clear()
    deadline = time.monotonic() + 5
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.01)  # the default executor's worker exits on its own
    assert threading.active_count() <= threads
    assert open_fds() <= fds
    assert open_loops() <= loops


def test_fork_child_does_not_break_the_parent_loop(rt: ModuleType) -> None:
    if not hasattr(os, "fork") or (threading.active_count() > 1 and sys.version_info >= (3, 12)):
        pytest.skip("fork with threads is deprecated on 3.12+")
    assert rt.run_sync(double(1)) == 2  # the parent's loop exists before the fork
    pid = os.fork()
    if pid == 0:  # child: use the helper, then leave without running any cleanup
        code = 0
        try:
            code = 0 if rt.run_sync(double(2)) == 4 else 1
        except BaseException:
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0

    async def woken_from_another_thread() -> str:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        threading.Timer(0.01, loop.call_soon_threadsafe, (future.set_result, "woken")).start()
        return str(await future)

    start = time.monotonic()
    assert rt.run_sync(woken_from_another_thread(), timeout=5) == "woken"
    assert time.monotonic() - start < 1  # the parent's wake-up pipe is still registered
