"""The console script keeps a run's objects to the end instead of freeing them one by one
(`gc_policy`); any other host frees them as usual."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_PROGRAM = textwrap.dedent(
    """
    import gc, sys
    from loopsafe import gc_policy

    class Model:
        def __del__(self):
            print("freed", flush=True)

    if sys.argv[1] == "console":
        gc_policy.short_lived_process()
    gc.disable()
    model = Model()
    gc_policy.resume(True, keep=(model, [model]))
    del model
    gc.collect()
    print("end of command", flush=True)
    """
)


def _run(mode: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")[:-1]


def test_the_console_script_exits_without_freeing_the_run() -> None:
    assert _run("console") == ["end of command"]


def test_another_host_frees_the_run_when_it_is_done_with_it() -> None:
    assert _run("host") == ["freed", "end of command"]


def test_paused_turns_the_gc_off_and_back_to_what_it_was() -> None:
    import gc

    import pytest

    from loopsafe import gc_policy

    was = gc.isenabled()
    try:
        gc.enable()
        with gc_policy.paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(ValueError), gc_policy.paused():
            raise ValueError("a failed walk")
        assert gc.isenabled()
        gc.disable()
        with gc_policy.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
