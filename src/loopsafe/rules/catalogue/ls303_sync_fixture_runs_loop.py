"""LS303 sync-fixture-runs-loop: A sync fixture or test helper enters an event loop, and async tests use it."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.async_chain import async_chain_fix, async_fixture_fix
from loopsafe.rules.context import SiteContext
from loopsafe.rules.loop_entry import reachable_message
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class SyncFixtureRunsLoop(Rule):
    code = "LS303"
    name = "sync-fixture-runs-loop"
    summary = "A sync fixture or test helper enters an event loop, and async tests use it."
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    what_it_does = doc(
        """
        Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in a sync
        pytest fixture that an async test requests, and in sync test helpers that async
        tests call, directly or through other sync calls.
        """
    )
    why_bad = doc(
        """
        A sync helper called from an async test runs inside the test's loop, so its
        `asyncio.run()` raises `RuntimeError: asyncio.run() cannot be called from a
        running event loop`. A sync fixture runs before the test, outside the loop, so
        the call succeeds, but on a throwaway loop that `asyncio.run()` closes at once:
        whatever the coroutine created (a client, a connection, a pool) is bound to a
        dead loop and fails in the test with `attached to a different loop` or
        `Event loop is closed`. `asyncio.run()` also resets the thread's current loop to
        `None` when it finishes, which can disturb the loop pytest-asyncio set up.
        """
    )
    example = snippet(
        """
        # tests/test_users.py  # expect: LS302 pytest-config review
        import asyncio

        import pytest

        from app.users import User, create_user


        @pytest.fixture
        def user() -> User:
            return asyncio.run(create_user("ada"))  # expect: LS303 test-code fix


        @pytest.mark.asyncio
        async def test_rename(user: User) -> None:
            await user.rename("grace")
        """
    )
    use_instead = snippet(
        """
        # tests/test_users.py  # expect: LS302 pytest-config review
        import pytest
        import pytest_asyncio

        from app.users import User, create_user


        @pytest_asyncio.fixture
        async def user() -> User:
            return await create_user("ada")


        @pytest.mark.asyncio
        async def test_rename(user: User) -> None:
            await user.rename("grace")
        """
    )
    fix_notes = doc(
        """
        Unsafe: the fix turns the fixture into an async fixture
        (`@pytest_asyncio.fixture async def`, which strict mode requires) that awaits the
        coroutine in the test's loop. Sync tests that request the same fixture then
        need an async variant or a sync one of their own. A helper becomes `async def`
        and its async callers `await` it. A fixture of a wider scope than `function`
        is left alone (no fix) when the project's pytest-asyncio is older than 0.23:
        there an async fixture can only use the function-scoped `event_loop`, and
        pytest stops with a ScopeMismatch. Review the diff.
        """
    )
    invalid = (
        snippet(
            """
            # test_users.py  # expect: LS302 pytest-config review
            import asyncio

            import pytest


            async def create_user(name: str) -> dict[str, str]:
                return {"name": name}


            @pytest.fixture
            def user() -> dict[str, str]:
                return asyncio.run(create_user("ada"))  # expect: LS303 test-code fix


            @pytest.mark.asyncio
            async def test_user_name(user: dict[str, str]) -> None:
                assert user["name"] == "ada"
            """
        ),
        snippet(
            """
            # test_orders.py  # expect: LS302 pytest-config review
            import asyncio

            import pytest


            async def make_order() -> dict[str, int]:
                return {"id": 1}


            def order_sync() -> dict[str, int]:
                return asyncio.run(make_order())  # expect: LS303 reachable-from-async fix


            @pytest.mark.asyncio
            async def test_order_id() -> None:
                assert order_sync()["id"] == 1
            """
        ),
    )
    valid = (
        snippet(
            """
            # test_users.py  # expect: LS302 pytest-config review
            import pytest
            import pytest_asyncio


            async def create_user(name: str) -> dict[str, str]:
                return {"name": name}


            @pytest_asyncio.fixture
            async def user() -> dict[str, str]:
                return await create_user("ada")


            @pytest.mark.asyncio
            async def test_user_name(user: dict[str, str]) -> None:
                assert user["name"] == "ada"
            """
        ),
        snippet(
            """
            # test_users.py
            import asyncio

            import pytest


            async def create_user(name: str) -> dict[str, str]:
                return {"name": name}


            @pytest.fixture
            def user() -> dict[str, str]:
                return asyncio.run(create_user("ada"))  # expect: LS100 test-code ok


            def test_user_name(user: dict[str, str]) -> None:
                assert user["name"] == "ada"
            """
        ),
    )

    kinds = frozenset({SiteKind.RUN, SiteKind.LOOP_RUN})
    outcomes = produces("LS303", Action.FIX, Category.TEST_CODE, Category.REACHABLE_FROM_ASYNC)
    table = (
        ("run / loop-run", "reachable-from-async, in test code", "LS303", "fix"),
        (
            "run / loop-run",
            "a sync fixture that an async test requests (test-code)",
            "LS303",
            "fix",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.category is Category.REACHABLE_FROM_ASYNC and ctx.is_test_module:
            message = reachable_message(ctx)
        elif ctx.category is Category.TEST_CODE and ctx.fixture_used_by_async:
            message = (
                f"`{ctx.site.api.value}` in sync fixture `{ctx.name}` builds objects on a "
                "throw-away loop that async tests then use ('attached to a different loop', "
                "'Event loop is closed'); make it an async fixture that awaits instead."
            )
        else:
            return None
        if ctx.key in ctx.project.async_used_fixtures:
            fix = async_fixture_fix(ctx.project, ctx.module, ctx.key)
        else:
            fix = async_chain_fix(ctx.project, ctx.key)
        return Verdict(self.code, Action.FIX, message, fix)
