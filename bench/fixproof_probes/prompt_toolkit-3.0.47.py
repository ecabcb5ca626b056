"""Probes for prompt_toolkit 3.0.47: Application.run() and its public callers;
run_in_terminal() and the cursor-position request, which make futures on the current loop
(read from application/run_in_terminal.py and renderer.py)."""

from __future__ import annotations

from collections.abc import Callable


def _run_app(**kwargs: object) -> object:
    from prompt_toolkit.application import Application
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe:
        app: Application[str] = Application(input=pipe, output=DummyOutput())
        return app.run(pre_run=lambda: app.exit(result="done"), **kwargs)  # type: ignore[arg-type]


def _prompt() -> object:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe:
        pipe.send_text("hello\r")
        return PromptSession(input=pipe, output=DummyOutput()).prompt("> ")


def _which_loop(loop: object) -> str:
    """Which loop `loop` is, for the caller: the one running, the one set, or another."""
    import asyncio

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:
        return "the running loop" if loop is running else "another loop"
    current = asyncio.get_event_loop_policy().get_event_loop()
    return "the loop set" if loop is current else "another loop"


def _run_in_terminal() -> object:
    """Outside an application, run_in_terminal() schedules `func` on the current loop; a
    sync caller then runs that loop, a caller on a loop gets the task of its loop."""
    from prompt_toolkit.application import run_in_terminal

    task = run_in_terminal(lambda: 42)
    where = _which_loop(task.get_loop())  # type: ignore[attr-defined]
    if where == "the running loop":
        task.cancel()  # type: ignore[attr-defined]
        return where
    return (where, task.get_loop().run_until_complete(task))  # type: ignore[attr-defined]


def _run_in_terminal_on_the_loop_set() -> object:
    """The caller sets a loop of its own first: the task must be on it."""
    import asyncio

    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
    try:
        return _run_in_terminal()
    finally:
        asyncio.set_event_loop(None)
        mine.close()


def _request_cursor_position() -> object:
    """A renderer that knows the terminal answers cursor-position requests asks for one
    and waits on a future of the current loop (do_cpr)."""
    import io

    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output
    from prompt_toolkit.renderer import CPR_Support, Renderer
    from prompt_toolkit.styles import Style

    stdout = io.StringIO()
    output = Vt100_Output(stdout, lambda: Size(rows=24, columns=80), term="xterm")
    renderer = Renderer(Style([]), output, full_screen=False)
    renderer.cpr_support = CPR_Support.SUPPORTED
    renderer.request_absolute_cursor_position()
    output.flush()
    futures = list(renderer._waiting_for_cpr_futures)
    return (len(futures), _which_loop(futures[0].get_loop()), "\x1b[6n" in stdout.getvalue())


PROBES: dict[str, Callable[[], object] | str] = {
    "prompt_toolkit.application.application:Application.run [run()]": _run_app,
    # The documented way to run an application from code that already runs a loop.
    "prompt_toolkit.application.application:Application.run [run(in_thread=True)]": (
        lambda: _run_app(in_thread=True)
    ),
    "prompt_toolkit.application.application:Application.run [PromptSession.prompt()]": _prompt,
    "prompt_toolkit.application.run_in_terminal:run_in_terminal [run_in_terminal(func)]": (
        _run_in_terminal
    ),
    "prompt_toolkit.application.run_in_terminal:run_in_terminal [on the loop the caller set]": (
        _run_in_terminal_on_the_loop_set
    ),
    "prompt_toolkit.renderer:Renderer.request_absolute_cursor_position.<locals>.do_cpr "
    "[request_absolute_cursor_position()]": _request_cursor_position,
}
