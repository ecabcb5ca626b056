"""LS304 asyncio-mark-scope: `pytest.mark.asyncio(scope=...)` uses the argument pytest-asyncio renamed to `loop_scope=`."""

from __future__ import annotations

from loopsafe.facts import pytest_asyncio_features as features
from loopsafe.facts.model import SiteKind
from loopsafe.facts.pytest_asyncio_features import SET_UP_REVIEW
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
        exactly what the old one did. It is only written when the project's
        pytest-asyncio (lock file, pin, range or installed copy) is 0.24 or later: 0.23
        ignores `loop_scope=` (there `scope=` is right, and the mark is accepted), 0.21
        and older ignore both (an LS302 `review`: upgrade), and when the version cannot
        be determined the finding is an LS302 `review` rather than a rename on a guess.
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
    outcomes = (
        produces("LS304", Action.FIX, Category.PYTEST_CONFIG)
        | produces(SET_UP_REVIEW, Action.REVIEW, Category.PYTEST_CONFIG)
        | produces(ACCEPTED, Action.OK, Category.PYTEST_CONFIG)
    )
    table = (
        ("mark", "pytest-config, the project's pytest-asyncio is 0.24 or later", "LS304", "fix"),
        (
            "mark",
            "pytest-config, pytest-asyncio 0.23 (its own argument: `scope=` is right there)",
            ACCEPTED,
            "ok",
        ),
        (
            "mark",
            "pytest-config, pytest-asyncio older than 0.23 (it ignores `scope=`) or unknown",
            SET_UP_REVIEW,
            "review",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        version = ctx.project.pytest_asyncio
        rename = features.text(features.feature(features.MARK_LOOP_SCOPE).since)
        if not version.version:
            return Verdict(
                SET_UP_REVIEW,
                Action.REVIEW,
                f"`pytest.mark.asyncio(scope=...)`: {version.uses} cannot tell whether "
                f"`loop_scope=` is understood (from {rename}; older releases ignore it); pin "
                f"pytest-asyncio>={rename} and write `loop_scope=`.",
            )
        if not features.knows(version.version, features.MARK_SCOPE):
            return Verdict(
                SET_UP_REVIEW,
                Action.REVIEW,
                f"`pytest.mark.asyncio(scope=...)` does nothing in {version.uses}: it has no "
                "loops wider than a test's (scoped loops arrive in 0.23), so the test runs on "
                f"a loop of its own; upgrade to pytest-asyncio>={rename} and write "
                "`loop_scope=`.",
            )
        if not features.knows(version.version, features.MARK_LOOP_SCOPE):
            return Verdict(
                ACCEPTED,
                Action.OK,
                f"Accepted: `scope=` is the right argument for {version.uses}, which has no "
                f"`loop_scope=` yet (it arrives in {rename}).",
            )
        if "loop_scope" in site.keywords:
            plan = no_fix("the mark sets both scope= and loop_scope=")
        else:
            replacement = site.text.replace("scope=", "loop_scope=", 1)
            plan = fix(ctx, FixSafety.SAFE, replacement, at(OpKind.LOOP_SCOPE, site))
        return Verdict(
            self.code,
            Action.FIX,
            f"`pytest.mark.asyncio(scope=...)` is deprecated in {version.uses} (renamed in "
            f"{rename}); write `loop_scope=` instead.",
            plan,
        )
