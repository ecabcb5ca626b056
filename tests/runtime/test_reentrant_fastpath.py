"""A re-entrant ``run_sync`` runs the coroutine's first step in place: a coroutine that
finishes without waiting costs no greenlet switch (bench/runtime.py's (e) measures the µs);
one that waits hands its first yield to the task and resumes on the loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

greenlet = pytest.importorskip("greenlet")

import loopsafe  # noqa: E402
from loopsafe import run_sync  # noqa: E402


async def ready(value: int) -> int:
    return value


async def waits(value: int) -> int:
    await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    return value


def count_switches(call: Any) -> tuple[Any, int]:
    switches = 0

    def trace(event: str, args: Any) -> None:
        nonlocal switches
        if event in ("switch", "throw"):
            switches += 1

    previous = greenlet.settrace(trace)
    try:
        return call(), switches
    finally:
        greenlet.settrace(previous)


def test_a_coroutine_that_does_not_wait_costs_no_switch() -> None:
    async def main() -> tuple[Any, int]:
        return count_switches(lambda: run_sync(ready(7), allow_running_loop=True))

    assert loopsafe.run(main()) == (7, 0)


def test_a_coroutine_that_waits_after_its_first_step_still_runs_on_the_loop() -> None:
    async def main() -> tuple[int, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        before = ticks
        value = run_sync(waits(8), allow_running_loop=True)
        task.cancel()
        return value, ticks - before

    value, ticked = loopsafe.run(main())
    assert value == 8
    assert ticked >= 2  # the ticker ran while the sync caller waited


def test_an_error_in_the_first_step_reaches_the_caller_with_its_frame() -> None:
    async def fails() -> None:
        raise KeyError("first step")

    async def main() -> list[str]:
        try:
            run_sync(fails(), allow_running_loop=True)
        except KeyError as exc:
            names = []
            tb = exc.__traceback__
            while tb is not None:
                names.append(tb.tb_frame.f_code.co_name)
                tb = tb.tb_next
            return names
        raise AssertionError("no error")

    assert loopsafe.run(main())[-1] == "fails"
