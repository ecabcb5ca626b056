"""LS301 event-loop-fixture-override: An `event_loop` fixture overrides the loop fixture that pytest-asyncio 1.0 removed."""

from __future__ import annotations

from loopsafe.analysis import Project
from loopsafe.facts import pytest_asyncio_features as features
from loopsafe.facts.fixtures import fixture_scope, is_fixture, is_test_function
from loopsafe.facts.model import SiteKind
from loopsafe.facts.pytest_asyncio_features import SET_UP_REVIEW
from loopsafe.model import Action, Category, ConfigEdit, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import no_fix
from loopsafe.rules.registry import ACCEPTED, Answer, Rule, Verdict, doc, produces, snippet


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
        `asyncio_default_test_loop_scope`). It writes only the keys the project's
        pytest-asyncio knows (its lock file, pin, range or installed copy decide which
        version that is): `asyncio_default_fixture_loop_scope` arrives in 0.24 and
        `asyncio_default_test_loop_scope` in 0.26, and pytest warns about a key it does
        not know, which `-W error` turns into a failure before any test runs. A
        function-scoped override needs no key (that loop is pytest-asyncio's own); a
        wider one needs both, so below 0.26 the finding is an LS302 `review` (a
        set-up question) that proposes the upgrade instead of writing. Below 0.23 the
        override is still the supported way to choose the loop (0.23 deprecates it):
        LS302 `review`, upgrade first. When the version cannot be determined the finding
        is an LS302 `review` too and asks for a pin, rather than guessing. Tests or
        fixtures that take `event_loop` as an argument keep the fixture (no fix) until
        they call `asyncio.get_running_loop()` instead; a custom loop class moves to
        the `event_loop_policy` fixture (0.23) or, from pytest-asyncio 1.4, the
        `pytest_asyncio_loop_factories` hook. Review
        the diff.
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
    outcomes = (
        produces("LS301", Action.FIX, Category.PYTEST_CONFIG)
        | produces(SET_UP_REVIEW, Action.REVIEW, Category.PYTEST_CONFIG)
        | produces(ACCEPTED, Action.OK, Category.PYTEST_CONFIG)
    )
    table = (
        ("fixture", "pytest-config, the project's pytest-asyncio knows the keys", "LS301", "fix"),
        (
            "fixture",
            "pytest-config, its pytest-asyncio is older than the set-up needs, or unknown",
            SET_UP_REVIEW,
            "review",
        ),
        ("fixture", "pytest-config, in library code (a plugin defining it)", "LS100", "ok"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        if not ctx.is_test_module and ctx.module.rpartition(".")[2] != "conftest":
            # Library code defining the fixture (pytest-asyncio itself, a plugin): nothing
            # of a test suite is overridden there, and deleting it would break its users.
            return Verdict(
                ACCEPTED,
                Action.OK,
                f"Accepted: `{ctx.name}` defines an `event_loop` fixture in library code "
                f"({ctx.module}), not an override in a test suite.",
            )
        version = ctx.project.pytest_asyncio
        scope = _fixture_scope(ctx)
        # The set-up that replaces the override: fixtures and tests on a loop of its scope.
        # A function-scoped override is what pytest-asyncio does anyway: no key is needed,
        # only set where the version has it.
        needed = (
            []
            if scope == "function"
            else [features.DEFAULT_FIXTURE_LOOP_SCOPE, features.DEFAULT_TEST_LOOP_SCOPE]
        )
        upgrade = features.minimum(
            features.DEFAULT_FIXTURE_LOOP_SCOPE, features.DEFAULT_TEST_LOOP_SCOPE
        )
        keys = "`asyncio_default_fixture_loop_scope` / `asyncio_default_test_loop_scope`"
        if not version.version:
            return Verdict(
                SET_UP_REVIEW,
                Action.REVIEW,
                f"The `event_loop` fixture override: {version.uses} cannot tell whether it "
                f"is still used or which of {keys} it knows (0.24 / 0.26); pin "
                f'pytest-asyncio (>={features.text(upgrade)} for a "{scope}" loop in config), '
                "then delete it and set them.",
            )
        if not features.deprecated(version.version, features.EVENT_LOOP_FIXTURE) and (
            features.knows(version.version, features.EVENT_LOOP_FIXTURE)
        ):
            return Verdict(
                SET_UP_REVIEW,
                Action.REVIEW,
                f"The `event_loop` fixture override: {version.uses} still uses it (0.23 "
                f"deprecates overriding it, 1.0 removes it); upgrade to pytest-asyncio>="
                f"{features.text(upgrade)}, which can set the same loop scope with {keys} "
                "(0.24 / 0.26), then delete it.",
            )
        lacking = features.missing(version.version, *needed)
        if lacking:
            return Verdict(
                SET_UP_REVIEW,
                Action.REVIEW,
                f"The `event_loop` fixture override: deprecated in {version.uses}; its "
                f'"{scope}" loop needs {" and ".join(f"`{k}`" for k in lacking)} in config, '
                f"known from pytest-asyncio {features.text(features.minimum(*lacking))} on: "
                f"upgrade to pytest-asyncio>={features.text(upgrade)}, then delete it and set "
                "them.",
            )
        if features.knows(version.version, features.EVENT_LOOP_FIXTURE):
            state = f"overriding it is deprecated in {version.uses} and no longer works from 1.0"
        else:
            state = f"{version.uses} never calls it: the override is dead code, and tests that "
            state += "meant to share its loop now run on loops of their own"
        written = _known_keys(version.version)
        instead = (
            " and ".join(f"`{k}`" for k in written)
            if written
            else "nothing (a function-scoped loop is pytest-asyncio's own)"
        )
        return Verdict(
            self.code,
            Action.FIX,
            f"The `event_loop` fixture override: {state}; delete it and set {instead} instead.",
            _drop_fixture(ctx, scope, written),
        )


def _fixture_scope(ctx: SiteContext) -> str:
    ref = ctx.project.index.functions.get(ctx.key)
    return fixture_scope(ref.func) if ref is not None else "function"


def _known_keys(version: tuple[int, ...]) -> list[str]:
    """The loop-scope keys `version` registers: only those are ever written."""
    keys = (features.DEFAULT_FIXTURE_LOOP_SCOPE, features.DEFAULT_TEST_LOOP_SCOPE)
    return [k for k in keys if features.knows(version, k)]


def _drop_fixture(ctx: SiteContext, scope: str, keys: list[str]) -> Fix:
    """Delete the override; give every fixture and test the loop scope it provided."""
    if ctx.project.index.functions.get(ctx.key) is None:
        return no_fix("the fixture could not be located")
    requesting = _requests_event_loop(ctx)
    if requesting:
        return no_fix(
            f"{requesting} takes `event_loop` as an argument; make it use "
            "`asyncio.get_running_loop()` first"
        )
    config = ctx.project.pytest_config
    for key in keys:
        current = config.text(key, "").strip().strip("\"'") if config is not None else ""
        if current and current not in (scope, "function"):
            # A wider scope chosen on purpose: overwriting it would move every async
            # fixture onto another loop. ("function", the default, is what projects write
            # to silence pytest-asyncio's warning; the override's loop is what ran.)
            return no_fix(
                f"`{key}` is already set to {current!r}, not the override's {scope!r}: "
                "choose the scope by hand"
            )
    path = ctx.project.relpath(ctx.module)
    options = tuple((key, scope) for key in keys)
    return Fix(
        FixSafety.UNSAFE,
        "",
        edits=((path, Op(OpKind.DELETE_DEF, ctx.site.line)),),
        config=(_loop_scope_edit(ctx.project, options),) if options else (),
    )


def _requests_event_loop(ctx: SiteContext) -> str:
    """A test or fixture (other than an `event_loop` fixture) whose parameters name
    `event_loop`: deleting the override leaves it without one (1.0) or with another loop."""
    index = ctx.project.index
    for key, ref in sorted(index.functions.items()):
        if key == ctx.key or ref.func.qualname.rpartition(".")[2] == "event_loop":
            continue
        if "event_loop" in ref.func.params and (is_fixture(ref.func) or is_test_function(ref.func)):
            return f"{index.paths[ref.module]}:{ref.func.line} ({ref.func.qualname})"
    return ""


def _loop_scope_edit(project: Project, options: tuple[tuple[str, str], ...]) -> ConfigEdit:
    config = project.pytest_config
    if config is not None:
        return ConfigEdit(config.path, config.write_section, options)
    # No pytest configuration yet: pyproject.toml, next to the tests' project root.
    names = [rel for rel, _ in project.metadata if rel.endswith("pyproject.toml")]
    path = names[-1] if names else "pytest.ini"
    section = "tool.pytest.ini_options" if path.endswith(".toml") else "pytest"
    return ConfigEdit(path, section, options)
