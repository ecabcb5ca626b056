"""LS301 event-loop-fixture-override: An `event_loop` fixture overrides the loop fixture that pytest-asyncio 1.0 removed."""

from __future__ import annotations

from loopsafe.analysis import Project
from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, ConfigEdit, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import no_fix
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class EventLoopFixtureOverride(Rule):
    code = "LS301"
    name = "event-loop-fixture-override"
    summary = "An `event_loop` fixture overrides the loop fixture that pytest-asyncio 1.0 removed."
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    what_it_does = doc(
        """
        Finds pytest fixtures (`@pytest.fixture` or `@pytest_asyncio.fixture`) named
        `event_loop`, usually in a `conftest.py`. The finding is reported at the `def`
        line.
        """
    )
    why_bad = doc(
        """
        Older pytest-asyncio ran every async test in the loop of its `event_loop`
        fixture, and overriding that fixture was the documented way to get a
        session-wide or custom loop. The 0.2x releases deprecated overriding it, with a
        warning on every run, and pytest-asyncio 1.0 removed the fixture. An
        `event_loop` fixture is now an ordinary fixture that pytest-asyncio never uses:
        tests run in pytest-asyncio's own loop, while code that takes the fixture's loop
        (`event_loop.run_until_complete(...)`, clients created on it) works with another
        one. That shows up as `attached to a different loop` errors, `Event loop is
        closed`, or a loop that is created and never used, and the loop scope the
        override was for (usually `session`) is silently lost.
        """
    )
    example = snippet(
        """
        # conftest.py
        import asyncio

        import pytest


        @pytest.fixture(scope="session")
        def event_loop():  # expect: LS301 pytest-config fix
            loop = asyncio.new_event_loop()  # expect: LS100 test-code ok
            yield loop
            loop.close()
        """
    )
    use_instead = snippet(
        """
        # pyproject.toml
        [tool.pytest.ini_options]
        asyncio_default_fixture_loop_scope = "session"
        asyncio_default_test_loop_scope = "session"  # pytest-asyncio 0.26+
        """
    )
    fix_notes = doc(
        """
        Unsafe: the fix deletes the fixture and sets the loop scope in the pytest
        configuration instead (`asyncio_default_fixture_loop_scope`,
        `asyncio_default_test_loop_scope`, or `loop_scope=` on marks and fixtures).
        Tests that take `event_loop` as an argument must call
        `asyncio.get_running_loop()` instead, and a custom loop class moves to the
        `event_loop_policy` fixture or, from pytest-asyncio 1.4, the
        `pytest_asyncio_loop_factories` hook. Review the diff.
        """
    )
    invalid = (
        snippet(
            """
            # conftest.py
            import asyncio
            from collections.abc import Iterator

            import pytest


            @pytest.fixture(scope="session")
            def event_loop() -> Iterator[asyncio.AbstractEventLoop]:  # expect: LS301 pytest-config fix
                loop = asyncio.new_event_loop()  # expect: LS100 test-code ok
                yield loop
                loop.close()
            """
        ),
    )
    valid = (
        snippet(
            """
            # conftest.py  # expect: LS302 pytest-config review
            from collections.abc import AsyncIterator

            import pytest_asyncio


            @pytest_asyncio.fixture(loop_scope="session", scope="session")
            async def database() -> AsyncIterator[dict[str, int]]:  # expect: LS302 pytest-config review
                yield {"connections": 1}
            """
        ),
    )

    kinds = frozenset({SiteKind.FIXTURE})
    outcomes = produces("LS301", Action.FIX, Category.PYTEST_CONFIG)
    table = (("fixture", "pytest-config", "LS301", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        version = ctx.project.pytest_asyncio
        uses = f"pytest-asyncio {version.text} ({version.source})"
        if version.at_least(1, 0):
            state = f"{uses} never calls it: the override is dead code, and tests that meant "
            state += "to share its loop now run on loops of their own"
        elif version.at_least(0, 22):
            state = f"overriding it is deprecated in {uses} and no longer works from 1.0"
        else:
            state = f"{uses} still uses it, but 0.22 deprecates it and 1.0 removes it"
        return Verdict(
            self.code,
            Action.FIX,
            f"The `event_loop` fixture override: {state}; delete it and set "
            "`asyncio_default_fixture_loop_scope` / `asyncio_default_test_loop_scope` (or "
            "`loop_scope=`) instead.",
            _drop_fixture(ctx),
        )


def _drop_fixture(ctx: SiteContext) -> Fix:
    """Delete the override; give every fixture and test the loop scope it provided."""
    ref = ctx.project.index.functions.get(ctx.key)
    if ref is None:
        return no_fix("the fixture could not be located")
    scope = "function"
    for decorator, kwargs in zip(ref.func.decorators, ref.func.decorator_kwargs, strict=False):
        if "fixture" in decorator and kwargs.get("scope"):
            scope = kwargs["scope"]
    path = ctx.project.relpath(ctx.module)
    return Fix(
        FixSafety.UNSAFE,
        "",
        edits=((path, Op(OpKind.DELETE_DEF, ctx.site.line)),),
        config=(_loop_scope_edit(ctx.project, scope),),
    )


def _loop_scope_edit(project: Project, scope: str) -> ConfigEdit:
    options = (
        ("asyncio_default_fixture_loop_scope", scope),
        ("asyncio_default_test_loop_scope", scope),
    )
    config = project.pytest_config
    if config is not None:
        return ConfigEdit(config.path, config.write_section, options)
    # No pytest configuration yet: pyproject.toml, next to the tests' project root.
    names = [rel for rel, _ in project.metadata if rel.endswith("pyproject.toml")]
    path = names[-1] if names else "pytest.ini"
    section = "tool.pytest.ini_options" if path.endswith(".toml") else "pytest"
    return ConfigEdit(path, section, options)
