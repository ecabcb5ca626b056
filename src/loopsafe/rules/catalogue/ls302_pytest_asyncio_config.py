"""LS302 pytest-asyncio-config: pytest-asyncio's mode or default loop scopes are missing or inconsistent."""

from __future__ import annotations

from loopsafe.analysis import Project
from loopsafe.facts import apis
from loopsafe.facts import pytest_asyncio_features as features
from loopsafe.facts.fixtures import fixture_scope, is_fixture, is_test_function
from loopsafe.facts.model import Function
from loopsafe.facts.pytest_version import PytestAsyncio
from loopsafe.model import Action, Category, Finding, FixSafety
from loopsafe.rules.registry import Rule, doc, produces, snippet

_SCOPES = ("function", "class", "module", "package", "session")


class PytestAsyncioConfig(Rule):
    code = "LS302"
    name = "pytest-asyncio-config"
    summary = "pytest-asyncio's mode or default loop scopes are missing or inconsistent."
    default_action = Action.REVIEW
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Checks the pytest configuration of a project with async tests
        (`[tool.pytest.ini_options]` in `pyproject.toml`, `pytest.ini`, `setup.cfg`,
        `tox.ini`): that `asyncio_mode` is set explicitly, that
        `asyncio_default_fixture_loop_scope` is set, and that the loop scopes of async
        fixtures and of the tests that use them agree. A setting is reported at its
        line in the configuration file, or at the section header when it is missing; an
        async fixture that pytest-asyncio will not run (a plain `@pytest.fixture` in
        strict mode) or whose loop outlives the tests' loops is reported at its `def`.
        The verdict follows the pytest-asyncio version the project uses (its lock file,
        an exact pin, or the installed version within its range): the unset-scope
        warning only exists from 0.24, and a pytest-asyncio key the version does not
        register (`asyncio_default_test_loop_scope` before 0.26) is reported at its
        line, since pytest warns 'Unknown config option' about it and `-W error` stops
        the run. LS301 and LS304 report here too, as `review`, when the set-up they
        would write needs a newer pytest-asyncio than the project's (the message names
        the minimum version and why) or when its version cannot be determined.
        """
    )
    why_bad = doc(
        """
        Without `asyncio_mode`, pytest-asyncio runs in `strict` mode: it only handles
        async tests marked `@pytest.mark.asyncio` and async fixtures declared with
        `@pytest_asyncio.fixture`; other coroutines are not run (recent pytest fails such
        tests, older versions skipped them with a warning), so whether a test runs
        depends on a default nobody chose. Without
        `asyncio_default_fixture_loop_scope`, pytest-asyncio 0.24 and later warn on every
        run that the default is going to change. And when async fixtures live in a wider
        loop scope than the tests using them (a `session` database pool used by tests
        that each get a `function` loop), what the fixture created belongs to another
        loop than the test: `got Future attached to a different loop`, or
        `Event loop is closed` at teardown.
        """
    )
    example = snippet(
        """
        # pyproject.toml
        [tool.pytest.ini_options]
        testpaths = ["tests"]
        """
    )
    use_instead = snippet(
        """
        # pyproject.toml
        [tool.pytest.ini_options]
        testpaths = ["tests"]
        asyncio_mode = "strict"
        asyncio_default_fixture_loop_scope = "function"
        asyncio_default_test_loop_scope = "function"
        """
    )
    fix_notes = doc(
        """
        No automatic fix: choosing `strict` or `auto` mode and the loop scopes is a
        decision about the test suite. `strict` with `function` scopes is the
        conservative choice; use a wider scope only when the fixtures and the tests
        that use them are declared with the same `loop_scope`.
        """
    )
    invalid = (
        snippet(
            """
            # test_api.py  # expect: LS302 pytest-config review
            import pytest


            @pytest.mark.asyncio
            async def test_ping() -> None:
                assert True
            """
        ),
    )
    valid = ()
    no_valid_example = (
        "its subject is the configuration file: a valid set-up needs one next to the tests"
    )
    outcomes = produces("LS302", Action.REVIEW, Category.PYTEST_CONFIG)
    table = (("config", "pytest-config", "LS302", "review"),)

    def project_findings(self, project: Project) -> list[Finding]:
        """The pytest-asyncio configuration, judged against the async tests and fixtures
        that exist and the pytest-asyncio version the project uses."""
        if not project.uses_pytest_asyncio:
            return []
        modules, paths = project.index.modules, project.index.paths
        tests = project.roles.test_modules
        unmarked: list[tuple[str, Function]] = []
        async_fixtures: list[tuple[str, Function]] = []
        async_items = 0
        for module in sorted(tests):
            facts = modules[module]
            for func in facts.functions.values():
                if not func.is_async:
                    continue
                if is_fixture(func):
                    async_items += 1
                    async_fixtures.append((module, func))
                elif is_test_function(func):
                    async_items += 1
                    owner = func.qualname.rpartition(".")[0]
                    cls = facts.classes.get(owner) if owner else None
                    marked = (
                        func.has_asyncio_mark
                        or facts.has_module_asyncio_mark
                        or bool(cls and cls.has_asyncio_mark)
                    )
                    if not marked:
                        unmarked.append((module, func))
        if not async_items:
            return []
        config = project.pytest_config
        out: list[Finding] = []

        def at(key: str) -> tuple[str, int]:
            if config is None:
                module, func = unmarked[0] if unmarked else (sorted(tests)[0], None)
                return paths[module], func.line if func else 1
            return config.path, config.line(key)

        def option(key: str, default: str) -> str:
            return config.text(key, default) if config is not None else default

        def is_set(key: str) -> bool:
            return config is not None and key in config.options

        mode = option("asyncio_mode", "strict").strip().lower()
        if mode == "strict" and unmarked:
            module, func = unmarked[0]
            out.append(
                _finding(
                    *at("asyncio_mode"),
                    f"asyncio_mode is strict{'' if is_set('asyncio_mode') else ' (the default)'} "
                    f"and {len(unmarked)} async test(s) lack `@pytest.mark.asyncio` (first: "
                    f"{paths[module]}:{func.line}), so pytest does not run them; set "
                    "`asyncio_mode = auto` or mark them.",
                )
            )
        version = project.pytest_asyncio
        uses = version.uses
        if config is not None:
            for key in features.unknown_config_keys(version.version, config.options):
                since = features.text(features.feature(key).since)
                out.append(
                    _finding(
                        config.path,
                        config.line(key),
                        f"`{key}` is not an option of {uses} (it arrives in {since}), so pytest "
                        "warns 'Unknown config option' on every run, an error under `-W error` "
                        f"or `filterwarnings = error`; remove it or upgrade to pytest-asyncio>="
                        f"{since}.",
                    )
                )
        known = set(features.config_keys(version.version)) if version.version else None

        def setting(key: str, default: str) -> str:
            """What pytest-asyncio reads: a key its version does not know is ignored."""
            if known is not None and key not in known:
                return default
            return option(key, default).strip()

        fixture_scope = setting(features.DEFAULT_FIXTURE_LOOP_SCOPE, "")
        test_scope = setting(features.DEFAULT_TEST_LOOP_SCOPE, "function")
        overrides = _loop_overrides(project, version)
        for module, func in async_fixtures:
            # Where pytest-asyncio still runs an `event_loop` override, tests get its loop.
            around = _override_scope(paths[module], overrides)
            scope_of_tests = around if _wider(around, test_scope) else test_scope
            out.extend(
                _fixture_findings(paths[module], func, mode, fixture_scope, scope_of_tests, version)
            )
        if not fixture_scope and features.knows(
            version.version, features.UNSET_FIXTURE_SCOPE_WARNING
        ):
            out.append(
                _finding(
                    *at("asyncio_default_fixture_loop_scope"),
                    f"`asyncio_default_fixture_loop_scope` is unset, so {uses} warns on every "
                    "run and async fixtures fall back to their own scope as loop scope; set it "
                    "(usually to `function`).",
                )
            )
        elif _wider(fixture_scope, test_scope):
            advice = (
                "use the same loop scope for both"
                if features.knows(version.version, features.DEFAULT_TEST_LOOP_SCOPE)
                else f"set `asyncio_default_test_loop_scope = {fixture_scope}` after upgrading "
                f"to pytest-asyncio>={_since(features.DEFAULT_TEST_LOOP_SCOPE)} ({uses} does "
                "not know it), or use the same loop scope for both"
            )
            out.append(
                _finding(
                    *at("asyncio_default_fixture_loop_scope"),
                    f"async fixtures run on a {fixture_scope}-scoped loop but tests on a "
                    f"{test_scope}-scoped one, so objects a fixture creates are 'attached to a "
                    f"different loop' in the test; {advice}.",
                )
            )
        return out


def _since(name: str) -> str:
    return features.text(features.feature(name).since)


def _loop_overrides(project: Project, version: PytestAsyncio) -> dict[str, str]:
    """The `event_loop` overrides pytest-asyncio still calls (before 1.0), by the directory
    they serve (a conftest's) or the path of the test module: their loop scope."""
    if not version.version or not features.knows(version.version, features.EVENT_LOOP_FIXTURE):
        return {}
    found: dict[str, str] = {}
    index = project.index
    for module in project.roles.test_modules:
        for func in index.modules[module].functions.values():
            if func.qualname != "event_loop" or not is_fixture(func):
                continue
            path = index.paths[module]
            where = path.rpartition("/")[0] if path.endswith("conftest.py") else path
            found[where] = fixture_scope(func)
    return found


def _override_scope(path: str, overrides: dict[str, str]) -> str:
    """The scope of the override that serves the test module at `path` ("" if none)."""
    if path in overrides:
        return overrides[path]
    directory = path.rpartition("/")[0]
    while True:
        if directory in overrides:
            return overrides[directory]
        if not directory:
            return ""
        directory = directory.rpartition("/")[0]


def _wider(scope: str, other: str) -> bool:
    return scope in _SCOPES and other in _SCOPES and _SCOPES.index(scope) > _SCOPES.index(other)


def _fixture_findings(
    path: str,
    func: Function,
    mode: str,
    default_loop_scope: str,
    test_scope: str,
    version: PytestAsyncio,
) -> list[Finding]:
    """An async fixture pytest-asyncio will not run (strict mode, plain `pytest.fixture`),
    or one whose loop outlives the tests' loops."""
    out: list[Finding] = []
    uses = version.uses
    name = func.qualname.rpartition(".")[2]
    kwargs: dict[str, str] = {}
    plain = False
    for decorator, arguments in zip(func.decorators, func.decorator_kwargs, strict=False):
        bare = decorator.removesuffix("()")
        if bare in apis.PYTEST_FIXTURES:
            kwargs = arguments
            plain = bare != "pytest_asyncio.fixture"
    if mode == "strict" and plain:
        out.append(
            _finding(
                path,
                func.line,
                f"async fixture `{name}` uses `@pytest.fixture` in strict mode, so {uses} does not "
                "run it and tests receive an un-awaited coroutine; use `@pytest_asyncio.fixture` "
                "(or `asyncio_mode = auto`).",
            )
        )
    scope = kwargs.get("scope", "function")
    loop_scope = kwargs.get("loop_scope") or default_loop_scope or scope
    if _wider(loop_scope, test_scope):
        out.append(
            _finding(
                path,
                func.line,
                f"async fixture `{name}` runs on a {loop_scope}-scoped loop, but the tests that "
                f"use it run on {test_scope}-scoped loops, so what it creates is 'attached to a "
                f"different loop' there; {_same_loop_advice(version, loop_scope)}.",
            )
        )
    return out


def _same_loop_advice(version: PytestAsyncio, loop_scope: str) -> str:
    """How the tests get the fixture's loop, in words the project's pytest-asyncio knows."""
    v = version.version
    if features.knows(v, features.MARK_LOOP_SCOPE):
        advice = f'give those tests `@pytest.mark.asyncio(loop_scope="{loop_scope}")`'
        if features.knows(v, features.DEFAULT_TEST_LOOP_SCOPE):
            advice += f" (or set `asyncio_default_test_loop_scope = {loop_scope}`)"
        return advice
    if features.knows(v, features.MARK_SCOPE):
        return (
            f'give those tests `@pytest.mark.asyncio(scope="{loop_scope}")` ({version.uses} '
            "has no `loop_scope=` yet)"
        )
    return (
        f"{version.uses} has no loops wider than a test's: upgrade to pytest-asyncio>="
        f'{_since(features.MARK_LOOP_SCOPE)} and give those tests `loop_scope="{loop_scope}"`'
    )


def _finding(path: str, line: int, message: str) -> Finding:
    return Finding(
        path=path,
        line=line,
        col=1,
        end_line=line,
        end_col=1,
        code="LS302",
        rule="pytest-asyncio-config",
        category=Category.PYTEST_CONFIG,
        action=Action.REVIEW,
        message=message,
    )
