"""Probes for prompt_toolkit 3.0.47: Application.run() and its public callers."""

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


PROBES: dict[str, Callable[[], object] | str] = {
    "prompt_toolkit.application.application:Application.run [run()]": _run_app,
    # The documented way to run an application from code that already runs a loop.
    "prompt_toolkit.application.application:Application.run [run(in_thread=True)]": (
        lambda: _run_app(in_thread=True)
    ),
    "prompt_toolkit.application.application:Application.run [PromptSession.prompt()]": _prompt,
}
