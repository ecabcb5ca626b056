"""LS304 asyncio-mark-scope: `pytest.mark.asyncio(scope=...)` uses the argument pytest-asyncio renamed to `loop_scope=`."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix
from loopsafe.rules.registry import ACCEPTED, Answer, Rule, Verdict, doc, produces, snippet


class AsyncioMarkScope(Rule):
    code = "LS304"
    name = "asyncio-mark-scope"
    summary = "`pytest.mark.asyncio(scope=...)` uses the argument pytest-asyncio renamed to `loop_scope=`."
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    what_it_does = doc(
        """
        Finds `pytest.mark.asyncio(scope=...)` on test functions, on test classes and in
        `pytestmark`.
        """
    )
    why_bad = doc(
        """
        pytest-asyncio 0.23 added `scope=` to the asyncio mark to choose the loop a test
        runs in; 0.24 renamed it `loop_scope=`, matching
        `pytest_asyncio.fixture(loop_scope=...)`, and deprecated `scope=`. Every test
        marked this way now emits a `PytestDeprecationWarning`, which fails the run under
        `-W error` or `filterwarnings = ["error"]`, and a mark with both arguments is an
        error. `scope` is also easily mistaken for a fixture scope, which it never was.
        """
    )
    example = snippet(
        """
        import pytest


        @pytest.mark.asyncio(scope="module")  # expect: LS304 pytest-config fix
        async def test_ping() -> None:
            ...
        """
    )
    use_instead = snippet(
        """
        import pytest


        @pytest.mark.asyncio(loop_scope="module")
        async def test_ping() -> None:
            ...
        """
    )
    fix_notes = doc(
        """
        The fix renames the keyword to `loop_scope=`. It is safe: the new name means
        exactly what the old one did. It needs pytest-asyncio 0.24 or later; 0.23 does
        not know `loop_scope=`.
        """
    )
    invalid = (
        snippet(
            """
            # test_api.py  # expect: LS302 pytest-config review
            import pytest


            @pytest.mark.asyncio(scope="module")  # expect: LS304 pytest-config fix
            async def test_ping() -> None:
                assert True
            """
        ),
        snippet(
            """
            # test_api.py  # expect: LS302 pytest-config review
            import pytest

            pytestmark = pytest.mark.asyncio(scope="module")  # expect: LS304 pytest-config fix


            async def test_ping() -> None:
                assert True
            """
        ),
    )
    valid = (
        snippet(
            """
            # test_api.py  # expect: LS302 pytest-config review
            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_ping() -> None:
                assert True
            """
        ),
    )

    kinds = frozenset({SiteKind.MARK})
    outcomes = produces("LS304", Action.FIX, Category.PYTEST_CONFIG) | produces(
        ACCEPTED, Action.OK, Category.PYTEST_CONFIG
    )
    table = (
        (
            "mark",
            "pytest-config (LS100 `ok` when the project's pytest-asyncio is older than 0.24, "
            "which has no `loop_scope=`)",
            "LS304",
            "fix",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        version = ctx.project.pytest_asyncio
        uses = f"pytest-asyncio {version.text} ({version.source})"
        if version.below(0, 24):
            return Verdict(
                ACCEPTED,
                Action.OK,
                f"Accepted: `scope=` is the right argument for {uses}, which has no "
                "`loop_scope=` yet (it arrives in 0.24).",
            )
        if "loop_scope" in site.keywords:
            plan = no_fix("the mark sets both scope= and loop_scope=")
        else:
            replacement = site.text.replace("scope=", "loop_scope=", 1)
            plan = fix(ctx, FixSafety.SAFE, replacement, at(OpKind.LOOP_SCOPE, site))
        return Verdict(
            self.code,
            Action.FIX,
            f"`pytest.mark.asyncio(scope=...)` is deprecated in {uses} (renamed in 0.24); write "
            "`loop_scope=` instead.",
            plan,
        )
