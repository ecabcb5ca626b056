"""Benchmark: µs per call of the ways to call async code from sync code.

Every method runs in one process, interleaved in a shuffled order each round, on a trivial
coroutine; the table shows the median over rounds of each round's mean µs per call, and
max/median across rounds (jitter). Two contexts:

* no loop: plain sync code, no event loop running in the thread;
* inside a loop: sync code called from a coroutine (the loop is running and blocked);
* re-entrant task: the same, in a task of a loop with loopsafe's re-entrant mode
  (``enable_reentry``; also on uvloop when installed), and greenback's portal for comparison
  (``await greenback.ensure_portal()`` then ``greenback.await_``).

Then (b): how often a 1 ms ticker task on the same loop ticks during a 200 ms
``run_sync(..., allow_running_loop=True)`` call, re-entrant vs the thread path.

Usage: python bench/runtime.py [--rounds 15] [--budget-ms 40] [--json PATH]

Handing work to another thread costs two thread wake-ups; on virtual machines a wake-up
across CPUs can cost tens of µs, so compare with `taskset -c 0 python bench/runtime.py`
(both threads on one CPU). The "two-thread lock ping-pong" row shows that floor.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import gc
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import loopsafe
from loopsafe import run_sync
from loopsafe.runtime import RunningLoopWarning

NO_LOOP = "no loop"
IN_LOOP = "inside a loop"
REENTRANT = "re-entrant task"
REENTRANT_UV = "re-entrant task, uvloop"
PORTAL = "greenback portal task"
REENTRANT_NAME = "loopsafe.run_sync(allow_running_loop=True), re-entrant"
GREENBACK_NAME = "greenback.await_"
THREAD_NAME = "loopsafe.run_sync(allow_running_loop=True)"
ONCE = ", coroutine awaits sleep(0) once"
RCTS = "bare run_coroutine_threadsafe(...).result() onto a kept loop thread"


async def work() -> int:
    return 1


async def work_once() -> int:
    """Waits once: the call must go through the loop (one loop iteration)."""
    await asyncio.sleep(0)
    return 1


@dataclass
class Method:
    name: str
    context: str
    call: Callable[[], Any]
    samples: list[float] = field(default_factory=list)
    calls: int = 0
    refused: str = ""


def pool_per_call() -> int:
    """The common hand-written helper: a thread pool per call when a loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work()).result()


def ping_pong() -> Callable[[], None]:
    """The physical floor of any design that hands work to another thread: two wake-ups."""
    request, reply = threading.Lock(), threading.Lock()
    request.acquire()
    reply.acquire()

    def serve() -> None:
        while True:
            request.acquire()
            reply.release()

    threading.Thread(target=serve, daemon=True).start()

    def call() -> None:
        request.release()
        reply.acquire()

    return call


def kept_loop_thread(stack: ExitStack) -> asyncio.AbstractEventLoop:
    """A loop running forever in its own thread: what a hand-written helper would keep."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    stack.callback(stop)
    return loop


def reentrant_methods(stack: ExitStack) -> tuple[list[Method], dict[str, Any]]:
    """The re-entrant rows, with the loops they run on; none without greenlet."""
    loops: dict[str, Any] = {}
    methods: list[Method] = []
    call = lambda: run_sync(work(), allow_running_loop=True)  # noqa: E731
    plain = asyncio.new_event_loop()
    stack.callback(plain.close)
    if loopsafe.enable_reentry(plain):
        loops[REENTRANT] = plain
        methods.append(Method(REENTRANT_NAME, REENTRANT, call))
        once = lambda: run_sync(work_once(), allow_running_loop=True)  # noqa: E731
        methods.append(Method(REENTRANT_NAME + ONCE, REENTRANT, once))
        methods.append(Method(THREAD_NAME + ONCE, IN_LOOP, once))
        try:
            import uvloop

            uv = uvloop.new_event_loop()
            stack.callback(uv.close)
            loopsafe.enable_reentry(uv)
            loops[REENTRANT_UV] = uv
            methods.append(Method(REENTRANT_NAME, REENTRANT_UV, call))
        except ImportError:
            pass
    try:
        import greenback

        loops[PORTAL] = greenback
        methods.append(Method(GREENBACK_NAME, PORTAL, lambda: greenback.await_(work())))
        methods.append(Method(GREENBACK_NAME + ONCE, PORTAL, lambda: greenback.await_(work_once())))
    except ImportError:
        pass
    return methods, loops


def build(stack: ExitStack) -> tuple[list[Method], asyncio.AbstractEventLoop]:
    kept = asyncio.new_event_loop()
    stack.callback(kept.close)
    kept_thread = kept_loop_thread(stack)
    methods = [
        Method(
            "floor: run_until_complete on a kept loop",
            NO_LOOP,
            lambda: kept.run_until_complete(work()),
        ),
        Method("loopsafe.run_sync", NO_LOOP, lambda: run_sync(work())),
        Method("asyncio.run", NO_LOOP, lambda: asyncio.run(work())),
    ]
    if sys.version_info >= (3, 11):
        runner = stack.enter_context(asyncio.Runner())
        methods.append(Method("asyncio.Runner, reused", NO_LOOP, lambda: runner.run(work())))
    wrapped: Callable[[], Any] | None = None
    try:
        from asgiref.sync import async_to_sync

        wrapped = async_to_sync(work)
        methods.append(Method("asgiref async_to_sync", NO_LOOP, wrapped))
    except ImportError:
        pass
    try:
        from anyio.from_thread import start_blocking_portal

        portal = stack.enter_context(start_blocking_portal())
        methods.append(Method("anyio blocking portal", NO_LOOP, lambda: portal.call(work)))
        methods.append(Method("anyio blocking portal", IN_LOOP, lambda: portal.call(work)))
    except ImportError:
        pass
    methods += [
        Method("floor: two-thread lock ping-pong (no asyncio)", IN_LOOP, ping_pong()),
        Method("pool-per-call helper", IN_LOOP, pool_per_call),
        Method(
            RCTS,
            IN_LOOP,
            lambda: asyncio.run_coroutine_threadsafe(work(), kept_thread).result(),
        ),
        Method(
            THREAD_NAME,
            IN_LOOP,
            lambda: run_sync(work(), allow_running_loop=True),
        ),
    ]
    if sys.version_info >= (3, 11):
        methods.append(Method("asyncio.Runner, reused", IN_LOOP, lambda: runner.run(work())))
    methods.append(Method("asyncio.run", IN_LOOP, lambda: asyncio.run(work())))
    methods.append(Method("loopsafe.run_sync (default)", IN_LOOP, lambda: run_sync(work())))
    if wrapped is not None:
        methods.append(Method("asgiref async_to_sync", IN_LOOP, wrapped))
    return methods, asyncio.new_event_loop()


def timed(method: Method, calls: int) -> float:
    call = method.call
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls * 1e6


LOOPS: dict[str, Any] = {}  # context -> its loop (greenback's portal: the module)


def measure(method: Method, calls: int, outer: asyncio.AbstractEventLoop) -> float:
    """Mean µs per call over `calls` calls, in the method's context."""
    gc.collect()
    if method.context == NO_LOOP:
        return timed(method, calls)

    async def inside() -> float:
        return timed(method, calls)

    if method.context == PORTAL:
        greenback = LOOPS[PORTAL]

        async def portal() -> float:
            await greenback.ensure_portal()  # once per task, outside the timed calls
            return timed(method, calls)

        return outer.run_until_complete(portal())
    return LOOPS.get(method.context, outer).run_until_complete(inside())


def ticks_during_call(loop: asyncio.AbstractEventLoop, seconds: float = 0.2) -> int:
    """Ticks of a 1 ms ticker on ``loop`` while a sync function in a task of that loop calls
    ``run_sync(asyncio.sleep(seconds), allow_running_loop=True)``."""

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        ticking = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.01)
        before = ticks
        run_sync(asyncio.sleep(seconds), allow_running_loop=True)
        during = ticks - before
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
        return during

    return loop.run_until_complete(main())


def probe(method: Method, outer: asyncio.AbstractEventLoop, budget_ms: float) -> None:
    """Check the method works in its context and size a batch to about `budget_ms`."""
    gc.collect()  # warnings from earlier probes must not be blamed on this one
    error = ""
    per_call = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", RunningLoopWarning)
        try:
            measure(method, 3, outer)
            per_call = measure(method, 10, outer)
        except RuntimeError as exc:
            error = str(exc).split("\n")[0]
        gc.collect()  # the refused coroutine dies with the traceback, here
    if not error:
        method.calls = max(5, min(5000, int(budget_ms * 1000 / max(per_call, 0.1))))
        return
    error = error.replace(os.path.dirname(os.path.abspath(__file__)) + os.sep, "")
    error = error if len(error) <= 60 else error[:57] + "..."
    unawaited = any("never awaited" in str(w.message) for w in caught)
    method.refused = f'RuntimeError "{error}"' + (
        ", plus a 'coroutine was never awaited' warning" if unawaited else ""
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--budget-ms", type=float, default=40.0, help="time per batch")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RunningLoopWarning)

    with ExitStack() as stack:
        methods, outer = build(stack)
        stack.callback(outer.close)
        extra, loops = reentrant_methods(stack)
        methods += extra
        LOOPS.update(loops)
        for method in methods:
            probe(method, outer, args.budget_ms)
        live = [m for m in methods if not m.refused]
        order = random.Random(args.seed)
        for _ in range(args.rounds):
            order.shuffle(live)
            for method in live:
                method.samples.append(measure(method, method.calls, outer))
        ticks = {"thread path": ticks_during_call(outer)}
        for context in (REENTRANT, REENTRANT_UV):
            if context in LOOPS:
                ticks[context.replace("task", "call")] = ticks_during_call(LOOPS[context])
    report(methods, args)
    report_reentrant(methods, ticks)
    return 0


def report_reentrant(methods: list[Method], ticks: dict[str, int]) -> None:
    """(e) and (b) of issue 14: the re-entrant call against the thread path and greenback."""
    rows = {(m.context, m.name): statistics.median(m.samples) for m in methods if m.samples}
    ours = rows.get((REENTRANT, REENTRANT_NAME))
    if ours is None:
        print("re-entrant mode: greenlet is not installed (pip install 'loopsafe[reentrant]')")
        return
    print()
    print("| run_sync(coro) from sync code in a running loop | median µs/call | ÷ re-entrant |")
    print("| --- | ---: | ---: |")
    compared = [
        (f"loopsafe re-entrant ({REENTRANT})", ours),
        (f"loopsafe re-entrant ({REENTRANT_UV})", rows.get((REENTRANT_UV, REENTRANT_NAME))),
        ("loopsafe thread path (task not re-entrant)", rows.get((IN_LOOP, THREAD_NAME))),
        ("greenback.await_ (after ensure_portal)", rows.get((PORTAL, GREENBACK_NAME))),
    ]
    for label, median in compared:
        if median is not None:
            print(f"| {label} | {median:.1f} | {median / ours:.1f}x |")
    once = rows.get((REENTRANT, REENTRANT_NAME + ONCE))
    if once is not None:
        for label, median in [
            ("loopsafe re-entrant, coroutine awaits sleep(0) once", once),
            ("loopsafe thread path, same", rows.get((IN_LOOP, THREAD_NAME + ONCE))),
            ("greenback.await_, same", rows.get((PORTAL, GREENBACK_NAME + ONCE))),
        ]:
            if median is not None:
                print(f"| {label} | {median:.1f} | {median / once:.1f}x |")
    others = [m for label, m in compared[2:] if m is not None]
    print()
    print(
        f"target (e): re-entrant {ours:.1f} µs (≤ 10 µs: {'yes' if ours <= 10 else 'NO'}), "
        f"faster than the thread path and greenback: "
        f"{'yes' if others and all(ours < m for m in others) else 'NO'}"
    )
    print(
        "target (b): ticks of a 1 ms ticker on the same loop during a 200 ms call: "
        + ", ".join(f"{name} {count}" for name, count in ticks.items())
    )


def report(methods: list[Method], args: argparse.Namespace) -> None:
    medians = {(m.context, m.name): statistics.median(m.samples) for m in methods if m.samples}
    base = medians.get((NO_LOOP, "asyncio.run"))
    floors = {
        NO_LOOP: medians.get((NO_LOOP, "floor: run_until_complete on a kept loop")),
        IN_LOOP: medians.get((IN_LOOP, "floor: two-thread lock ping-pong (no asyncio)")),
    }
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    print(
        f"loopsafe {loopsafe.__version__} runtime benchmark: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({cpus} usable), load average {load[0]:.2f}, {args.rounds} rounds, "
        f"trivial coroutine"
    )
    print()
    print(
        "| context | method | median µs/call | max/median | asyncio.run ÷ this | this ÷ floor of its context |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    rows = []
    for m in methods:
        if m.refused:
            print(f"| {m.context} | {m.name} | refuses: {m.refused} | | | |")
            rows.append({"context": m.context, "method": m.name, "refused": m.refused})
            continue
        median = statistics.median(m.samples)
        jitter = max(m.samples) / median
        speedup = f"{base / median:.1f}x" if base else ""
        floor = floors.get(m.context)
        over_floor = f"{median / floor:.2f}" if floor else ""
        print(
            f"| {m.context} | {m.name} | {median:.1f} | {jitter:.2f} | {speedup} | {over_floor} |"
        )
        rows.append(
            {
                "context": m.context,
                "method": m.name,
                "median_us": median,
                "max_over_median": jitter,
                "samples_us": m.samples,
                "calls_per_sample": m.calls,
            }
        )
    print()
    ours = next(m for m in methods if m.name == "loopsafe.run_sync" and m.samples)
    bg = next(m for m in methods if m.name == THREAD_NAME and m.context == IN_LOOP and m.samples)
    no_loop = statistics.median(ours.samples)
    in_loop = statistics.median(bg.samples)
    in_jitter = max(bg.samples) / in_loop
    bare = medians.get((IN_LOOP, RCTS))
    print(
        f"targets: no loop {no_loop:.1f} µs (≤ 20 µs), {base / no_loop:.1f}x faster than "
        f"asyncio.run (≥ 4x); inside a loop {in_loop:.1f} µs (≤ 60 µs, and ≤ the bare "
        f"run_coroutine_threadsafe {bare or 0:.1f} µs), max/median {in_jitter:.2f} (< 3)"
        if base
        else ""
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {"python": platform.python_version(), "load": load, "rows": rows}, handle, indent=2
            )


if __name__ == "__main__":
    raise SystemExit(main())
