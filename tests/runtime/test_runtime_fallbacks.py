"""The runtime's guarded private reads, each with and without the attribute it reads.

The helper uses public asyncio and stdlib API, except for the deadlock evidence it reads
(never writes) from the blocked loop's queue and from futures, and for telling one of its own
loops, copied by fork(), that its thread is gone. Here each such name is made missing, or
pointed at a value of another type, as a future CPython might do: deadlocks must then be
bounded by the timeout (never a wrong LoopDeadlockError, never a crash), and calls still work.
Also: Python 3.14's public call-graph API, Ctrl-C under asyncio.run, and fork() safety.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from runtime_helpers import DEV_RERUN, SRC, quiet, run_python

pytestmark = pytest.mark.skipif(DEV_RERUN, reason="already inside a subprocess run")


@pytest.fixture
def core() -> ModuleType:
    """The package's implementation: the vendored copy is the same text (test_runtime_vendor)."""
    import loopsafe.runtime._core as core

    return core


async def double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


# --------------------------------------------------------------------------- deadlock evidence

DETECTED, PROBABLE, TIMEOUT = "LoopDeadlockError", "TimeoutError, probable deadlock", "TimeoutError"

# (what is made missing or of another type, {shape: outcome}); None: everything present.
EVIDENCE = [
    (None, {"direct": DETECTED, "gather": DETECTED, "blocking": DETECTED}),
    # No readable queue on the blocked loop (e.g. uvloop): no evidence at all.
    (("_LOOP_READY", "_gone"), {"direct": TIMEOUT, "gather": TIMEOUT, "blocking": TIMEOUT}),
    (("_LOOP_READY", "_debug"), {"direct": TIMEOUT, "gather": TIMEOUT, "blocking": TIMEOUT}),
    # Handles that cannot be read: work is queued (so "probable"), but for what is unknown.
    (("_HANDLE_CALLBACK", "_gone"), {"direct": PROBABLE, "blocking": PROBABLE}),
    (("_HANDLE_ARGS", "_gone"), {"direct": DETECTED, "blocking": DETECTED}),
    (("_HANDLE_ARGS", "_loop"), {"direct": DETECTED, "blocking": DETECTED}),
    # Which asyncio future a concurrent future completes: only the blocking shape is proven.
    (("_CF_CALLBACKS", "_gone"), {"direct": PROBABLE, "blocking": DETECTED}),
    (("_CF_CALLBACKS", "_state"), {"direct": PROBABLE, "blocking": DETECTED}),
    # What the call's task waits for (before 3.14's capture_call_graph).
    (("_TASK_WAITER", "_gone"), {"direct": PROBABLE, "gather": PROBABLE, "blocking": DETECTED}),
    (("_TASK_WAITER", "_loop"), {"direct": PROBABLE, "blocking": DETECTED}),
    (("_GATHER_CHILDREN", "_gone"), {"direct": DETECTED, "gather": PROBABLE}),
    (("_GATHER_CHILDREN", "_loop"), {"gather": PROBABLE}),
    # Where the background thread is blocked.
    (("_current_frames", None), {"direct": DETECTED, "blocking": PROBABLE}),
]
CASES = [
    pytest.param(
        missing, shape, outcome, id=f"{'='.join(map(str, missing or ['all-present']))}-{shape}"
    )
    for missing, outcomes in EVIDENCE
    for shape, outcome in outcomes.items()
]


def deadlock_in(core: ModuleType, shape: str, timeout: float) -> tuple[str, str, int]:
    """Run a deadlocking call of ``shape`` inside a loop; return (outcome, message, a
    later call's result)."""

    async def main() -> tuple[str, str, int]:
        loop = asyncio.get_running_loop()
        queued: list[concurrent.futures.Future[int]] = []

        def on_caller_loop() -> concurrent.futures.Future[int]:
            queued.append(asyncio.run_coroutine_threadsafe(double(5), loop))
            return queued[-1]

        async def needs_caller_loop() -> int:
            if shape == "gather":
                return sum(await asyncio.gather(asyncio.wrap_future(on_caller_loop()), double(1)))
            if shape == "blocking":
                return on_caller_loop().result()
            return await asyncio.wrap_future(on_caller_loop())

        outcome = message = ""
        with quiet(core):
            try:
                core.run_sync(needs_caller_loop(), allow_running_loop=True, timeout=timeout)
            except core.LoopDeadlockError as exc:
                outcome, message = DETECTED, str(exc)
            except TimeoutError as exc:
                message = str(exc)
                outcome = PROBABLE if "Probable deadlock" in message else TIMEOUT
            # This loop runs the queued work (or the call's cancellation cancels it), which
            # frees the background thread; then one more iteration runs what is left queued.
            await asyncio.wait([asyncio.wrap_future(f) for f in queued], timeout=5)
            await asyncio.sleep(0)
            after = core.run_sync(double(4), allow_running_loop=True, timeout=5)
        return outcome, message, after

    return asyncio.run(main())


@pytest.mark.parametrize(("missing", "shape", "outcome"), CASES)
def test_deadlock_evidence_degrades_to_the_timeout(
    core: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    missing: tuple[str, str | None] | None,
    shape: str,
    outcome: str,
) -> None:
    monkeypatch.setattr(core, "_capture_call_graph", None)  # 3.14+: test the older evidence
    if missing is not None:
        name, replacement = missing
        assert hasattr(core, name)
        monkeypatch.setattr(core, name, replacement)
    handler = signal.getsignal(signal.SIGINT)
    found, message, after = deadlock_in(core, shape, timeout=0.4)
    assert (found, after) == (outcome, 8), message
    assert signal.getsignal(signal.SIGINT) is handler


def test_a_loop_without_a_readable_queue_still_runs_calls(
    core: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without evidence the watch only waits: calls, timeouts and errors work as before."""
    monkeypatch.setattr(core, "_LOOP_READY", "_gone")

    async def fails() -> None:
        await asyncio.sleep(0.06)  # past the first poll
        raise ValueError("boom")

    async def main() -> tuple[int, str]:
        with quiet(core):
            value = core.run_sync(double(3), allow_running_loop=True)
            with pytest.raises(ValueError, match="boom"):
                core.run_sync(fails(), allow_running_loop=True)
            with pytest.raises(TimeoutError) as info:
                core.run_sync(asyncio.sleep(5), allow_running_loop=True, timeout=0.1)
        return value, str(info.value)

    value, message = asyncio.run(main())
    assert value == 6
    assert "timed out after 0.1 s" in message and "Probable" not in message


# --------------------------------------------------------------------------- 3.14 call graph


@dataclass(frozen=True)
class Graph:
    """The part of asyncio.FutureCallGraph (3.14) the helper reads."""

    future: Any
    awaited_by: tuple[Graph, ...]


def fake_capture_call_graph(future: Any) -> Graph:
    """Stand-in for ``asyncio.capture_call_graph(future)`` (3.14): what awaits ``future``,
    recursively. Built here from the private attributes, which the test then hides from the
    helper, so detection can only come from this API."""
    tasks = asyncio.all_tasks(future.get_loop())
    awaiters: list[Any] = [t for t in tasks if getattr(t, "_fut_waiter", None) is future]
    for task in tasks:
        waiter = getattr(task, "_fut_waiter", None)
        if any(child is future for child in getattr(waiter, "_children", None) or ()):
            awaiters.append(waiter)
    return Graph(future, tuple(fake_capture_call_graph(a) for a in awaiters))


@pytest.mark.parametrize("shape", ["direct", "gather"])
def test_the_public_call_graph_api_is_used_where_it_exists(
    core: ModuleType, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    monkeypatch.setattr(core, "_capture_call_graph", fake_capture_call_graph)
    monkeypatch.setattr(core, "_TASK_WAITER", "_gone")
    monkeypatch.setattr(core, "_GATHER_CHILDREN", "_gone")
    found, message, after = deadlock_in(core, shape, timeout=5)
    assert (found, after) == (DETECTED, 8), message
    assert "the awaitable is awaiting" in message


def test_a_call_graph_api_of_another_shape_falls_back(
    core: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def changed(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("capture_call_graph() takes no arguments")

    monkeypatch.setattr(core, "_capture_call_graph", changed)
    found, message, _ = deadlock_in(core, "direct", timeout=5)
    assert found == DETECTED, message


# --------------------------------------------------------------------------- the caller's loop


def test_the_callers_loop_is_never_modified(core: ModuleType) -> None:
    """No method of the blocked loop is replaced, even while the watch reads its queue."""

    def shadowed(loop: asyncio.AbstractEventLoop) -> set[str]:
        return {name for name in vars(loop) if callable(getattr(type(loop), name, None))}

    async def main() -> list[set[str]]:
        loop = asyncio.get_running_loop()
        seen = [shadowed(loop)]

        async def queue_work_then_wait() -> None:
            loop.call_soon_threadsafe(len, "")  # something for the watch to look at
            await asyncio.sleep(0.2)  # several polls
            seen.append(shadowed(loop))

        with quiet(core):
            core.run_sync(queue_work_then_wait(), allow_running_loop=True)
        seen.append(shadowed(loop))
        return seen

    assert asyncio.run(main()) == [set(), set(), set()]


# --------------------------------------------------------------------------- Ctrl-C


def default_sigint(core: ModuleType) -> None:
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("needs Python's default SIGINT handler")
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT handlers live in the main thread")


async def wait_for_another_thread() -> None:
    """Make the loop wait in select() for sure: nothing ready, no timer, woken from outside."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    timer = threading.Timer(0.01, loop.call_soon_threadsafe, (future.set_result, None))
    timer.start()
    await future
    timer.join()


def test_ctrl_c_handler_is_installed_only_while_the_loop_waits(core: ModuleType) -> None:
    default_sigint(core)
    seen: list[Any] = []

    async def steps() -> None:
        seen.append(signal.getsignal(signal.SIGINT))
        await asyncio.sleep(0)  # a new step, but the loop does not wait
        seen.append(signal.getsignal(signal.SIGINT))
        await wait_for_another_thread()
        seen.append(signal.getsignal(signal.SIGINT))

    core.run_sync(steps())
    default = signal.default_int_handler
    assert seen[:2] == [default, default]
    assert callable(seen[2]) and seen[2] is not default
    assert signal.getsignal(signal.SIGINT) is default


def test_a_sigint_handler_the_awaitable_installs_is_kept(core: ModuleType) -> None:
    default_sigint(core)

    def mine(signum: int, frame: Any) -> None:
        pass

    async def installs() -> None:
        await wait_for_another_thread()
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler  # ours
        signal.signal(signal.SIGINT, mine)

    try:
        core.run_sync(installs())
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def test_a_custom_sigint_handler_is_respected(core: ModuleType) -> None:
    default_sigint(core)

    def mine(signum: int, frame: Any) -> None:
        pass

    async def look() -> Any:
        await wait_for_another_thread()
        return signal.getsignal(signal.SIGINT)

    signal.signal(signal.SIGINT, mine)
    try:
        assert core.run_sync(look()) is mine
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.Runner is 3.11+")
def test_under_asyncio_run_ctrl_c_raises_during_a_long_wait(core: ModuleType) -> None:
    """asyncio.run's handler only cancels the main task, which cannot happen while the call
    blocks its loop: for the wait, Python's default handler is in place, then theirs again."""
    default_sigint(core)

    async def main() -> tuple[Any, Any, Any]:
        theirs = signal.getsignal(signal.SIGINT)

        async def look() -> Any:
            await asyncio.sleep(0.2)  # past the first poll
            return signal.getsignal(signal.SIGINT)  # reading works in any thread

        with quiet(core):
            during = core.run_sync(look(), allow_running_loop=True)
        return theirs, during, signal.getsignal(signal.SIGINT)

    theirs, during, after = asyncio.run(main())
    assert core._is_runner_handler(theirs)
    assert during is signal.default_int_handler
    assert after is theirs


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling() is 3.11+")
def test_cancelling_the_blocked_calling_task_cancels_the_call(core: ModuleType) -> None:
    """What asyncio.run's Ctrl-C handler does, from a handler the helper does not know."""
    default_sigint(core)
    started = threading.Event()
    events: list[str] = []

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(10)
        finally:
            events.append("finally")

    async def caller() -> None:
        with quiet(core):
            core.run_sync(slow(), allow_running_loop=True)

    async def main() -> float:
        task = asyncio.ensure_future(caller())
        previous = signal.signal(signal.SIGINT, lambda signum, frame: task.cancel())

        def interrupt() -> None:
            if started.wait(10):
                os.kill(os.getpid(), signal.SIGINT)

        sender = threading.Thread(target=interrupt)
        sender.start()
        try:
            start = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            return time.monotonic() - start
        finally:
            sender.join()
            signal.signal(signal.SIGINT, previous)

    elapsed = asyncio.run(main())
    assert events == ["finally"]
    assert elapsed < 2


CTRL_C_UNKNOWN_RUNNER = """
import asyncio, time, warnings
{import_line}
warnings.simplefilter("ignore", rt.RunningLoopWarning)
rt._is_runner_handler = lambda handler: False  # as if asyncio.run's handler changed shape

async def work():
    try:
        print("started", flush=True)
        await asyncio.sleep(30)
    finally:
        await asyncio.sleep(0.01)
        print("finally", flush=True)

async def main():
    rt.run_sync(work(), allow_running_loop=True)

try:
    asyncio.run(main())
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.parametrize("delay", [0.0, 0.3], ids=["before-first-poll", "after-first-poll"])
def test_ctrl_c_under_asyncio_run_without_recognising_its_handler(delay: float) -> None:
    import subprocess

    code = CTRL_C_UNKNOWN_RUNNER.format(import_line="import loopsafe.runtime._core as rt")
    child = subprocess.Popen(
        [sys.executable, "-W", "error", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(delay)  # a moment in the call, not synchronisation
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
    finally:
        child.kill()
    assert out.split() == ["finally", "interrupted"], (out, err)
    assert err == "" and child.returncode == 0


# --------------------------------------------------------------------------- fork


FORK_SCRIPT = """
import asyncio, os, sys, threading, time, warnings
import loopsafe.runtime._core as rt
warnings.simplefilter("ignore", rt.RunningLoopWarning)
warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork() with threads running
{setup}

async def double(x):
    await asyncio.sleep(0)
    return 2 * x

async def in_loop(coro):
    return rt.run_sync(coro, allow_running_loop=True, timeout=5)

async def woken_from_another_thread():
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    threading.Timer(0.01, loop.call_soon_threadsafe, (future.set_result, "woken")).start()
    return await future

assert rt.run_sync(double(1)) == 2  # the parent's loops exist before the fork
assert asyncio.run(in_loop(double(2))) == 4
background = rt._backgrounds[1].loop
pid = os.fork()
if pid == 0:
    try:
        ok = rt.run_sync(double(3)) == 6 and asyncio.run(in_loop(double(4))) == 8
        print("child", ok, "closed" if background.is_closed() else "kept", flush=True)
        os._exit(0)
    except BaseException as exc:
        print("child failed", repr(exc), flush=True)
        os._exit(1)
_, status = os.waitpid(pid, 0)
start = time.monotonic()
# The parent's loops are still woken by other threads: the child left their epoll sets alone.
assert rt.run_sync(woken_from_another_thread(), timeout=5) == "woken"
assert asyncio.run(in_loop(woken_from_another_thread())) == "woken"
print("parent", os.waitstatus_to_exitcode(status), time.monotonic() - start < 1, flush=True)
"""

POLICY_SETUP = """
class Loop(asyncio.SelectorEventLoop):
    pass

class Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return Loop()

asyncio.set_event_loop_policy(Policy())

async def look():
    seen = [type(asyncio.get_running_loop()).__name__]
    await asyncio.sleep(0)  # a policy's loop: the Ctrl-C handler is armed after one step
    seen.append(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    return seen

import signal
assert rt.run_sync(look()) == ["Loop", False]
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
@pytest.mark.parametrize(
    ("setup", "child"),
    [
        pytest.param("", "child True closed", id="our-loops"),
        # asyncio cannot be told publicly that a copied loop's thread is gone: without the
        # attribute the child keeps that loop open (its selector detached), and works.
        pytest.param('rt._LOOP_THREAD_ID = "_gone"', "child True kept", id="no-thread-id"),
        pytest.param('rt._LOOP_THREAD_ID = "_debug"', "child True kept", id="thread-id-type"),
        # A policy's loops are not ours to detach: the child leaves them alone.
        pytest.param(POLICY_SETUP, "child True kept", id="policy-loops"),
    ],
)
def test_fork_leaves_the_parents_loops_working(setup: str, child: str) -> None:
    result = run_python(FORK_SCRIPT.format(setup=setup), flags=("-X", "dev"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [child, "parent 0 True"], result.stderr
    assert result.stderr == ""
