"""Rules for the pytest / pytest-asyncio set-up: LS301, LS302, LS304 and the fixture part
of LS303.

pytest-asyncio 1.0 removed the `event_loop` fixture and renamed the mark's `scope=` to
`loop_scope=`; strict mode (the default) silently skips unmarked async tests; an unset
default fixture loop scope warns on every run.
"""

from __future__ import annotations

import configparser
import re
import sys
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from loopsafe.facts import apis
from loopsafe.facts.model import FileFacts, Function, SiteKind
from loopsafe.model import Action, Category, Finding, Fix, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.pytest_version import PytestAsyncio
from loopsafe.rules.verdict import Verdict, fix_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_SCOPES = ("function", "class", "module", "package", "session")


def check(ctx: SiteContext) -> Verdict:
    site = ctx.site
    version = ctx.project.pytest_asyncio
    uses = f"pytest-asyncio {version.text} ({version.source})"
    if site.kind == SiteKind.FIXTURE:
        if version.at_least(1, 0):
            state = f"{uses} never calls it: the override is dead code, and tests that meant "
            state += "to share its loop now run on loops of their own"
        elif version.at_least(0, 22):
            state = f"overriding it is deprecated in {uses} and no longer works from 1.0"
        else:
            state = f"{uses} still uses it, but 0.22 deprecates it and 1.0 removes it"
        return Verdict(
            "LS301",
            Action.FIX,
            f"The `event_loop` fixture override: {state}; delete it and set "
            "`asyncio_default_fixture_loop_scope` / `asyncio_default_test_loop_scope` (or "
            "`loop_scope=`) instead.",
            Fix(FixSafety.UNSAFE, ""),
        )
    if version.below(0, 24):
        return Verdict(
            "LS100",
            Action.OK,
            f"Accepted: `scope=` is the right argument for {uses}, which has no `loop_scope=`"
            " yet (it arrives in 0.24).",
        )
    return Verdict(
        "LS304",
        Action.FIX,
        f"`pytest.mark.asyncio(scope=...)` is deprecated in {uses} (renamed in 0.24); write "
        "`loop_scope=` instead.",
        fix_of(site.replacement, site.safe_fix),
    )


# ---------------------------------------------------------------------- tests & fixtures
def is_fixture(func: Function) -> bool:
    return any(d.removesuffix("()") in apis.PYTEST_FIXTURES for d in func.decorators)


def _fixture_name(func: Function) -> str:
    for decorator, kwargs in zip(func.decorators, func.decorator_kwargs, strict=False):
        if decorator.removesuffix("()") in apis.PYTEST_FIXTURES and "name" in kwargs:
            return kwargs["name"]
    return func.qualname.rpartition(".")[2]


def is_test_function(func: Function) -> bool:
    name = func.qualname.rpartition(".")[2]
    if not name.startswith("test") or func.parent:
        return False
    owner = func.qualname.rpartition(".")[0]
    return not owner or owner.rpartition(".")[2].startswith("Test")


def async_used_fixtures(
    modules: dict[str, FileFacts], paths: dict[str, str], tests: set[str]
) -> set[str]:
    """Sync fixtures ("module.qualname") whose values reach an async test or async fixture."""
    fixtures: dict[str, list[tuple[str, str, Function]]] = {}
    consumers: list[tuple[str, Function]] = []
    for module in tests:
        facts = modules[module]
        for func in facts.functions.values():
            if is_fixture(func):
                fixtures.setdefault(_fixture_name(func), []).append((module, paths[module], func))
            if func.is_async and (is_fixture(func) or is_test_function(func)):
                consumers.append((module, func))
    used: set[str] = set()
    todo = [(m, f, n) for m, f in consumers for n in (*f.params, *f.usefixtures)]
    seen: set[tuple[str, str]] = set()
    while todo:
        module, _consumer, name = todo.pop()
        if (module, name) in seen:
            continue
        seen.add((module, name))
        for fmod, fpath, fixture in _visible(fixtures.get(name, []), paths[module], module):
            key = f"{fmod}.{fixture.qualname}"
            if not fixture.is_async:
                used.add(key)
            todo.extend((module, fixture, p) for p in fixture.params)
            del fpath
    # Autouse sync fixtures apply to every async test in their reach.
    for entries in fixtures.values():
        for fmod, fpath, fixture in entries:
            autouse = any(k.get("autouse") == "True" for k in fixture.decorator_kwargs)
            if not autouse or fixture.is_async:
                continue
            folder = PurePosixPath(fpath).parent
            for module, consumer in consumers:
                cpath = PurePosixPath(paths[module])
                if module == fmod or (
                    PurePosixPath(fpath).name == "conftest.py" and folder in cpath.parents
                ):
                    if is_test_function(consumer):
                        used.add(f"{fmod}.{fixture.qualname}")
    return used


def _visible(
    entries: list[tuple[str, str, Function]], consumer_path: str, consumer_module: str
) -> list[tuple[str, str, Function]]:
    cpath = PurePosixPath(consumer_path)
    out = []
    for module, path, func in entries:
        fpath = PurePosixPath(path)
        if module == consumer_module or (
            fpath.name == "conftest.py" and fpath.parent in cpath.parents
        ):
            out.append((module, path, func))
    return out


# ---------------------------------------------------------------------- configuration
@dataclass
class PytestConfig:
    """`section`: the table or section pytest reads its settings from, in this file."""

    path: str
    header_line: int
    options: dict[str, tuple[str, int]] = field(default_factory=dict)
    section: str = "pytest"


def find_pytest_config(
    files: list[tuple[str, str]], *, explicit: bool = False
) -> PytestConfig | None:
    """The first file pytest would read, from (relpath, text) pairs ordered per directory
    as pytest looks: pytest.toml, .pytest.toml (pytest 9), pytest.ini, .pytest.ini,
    pyproject.toml, tox.ini, setup.cfg. `explicit`: the first file was named with
    `pytest -c`, and is read whatever its name, with or without a pytest section."""
    if explicit and files:
        return _explicit_config(*files[0])
    for relpath, text in files:
        name = PurePosixPath(relpath).name
        if name in ("pytest.toml", ".pytest.toml"):
            return _toml_config(relpath, text, native=True) or PytestConfig(relpath, 1)
        if name in ("pytest.ini", ".pytest.ini"):
            return _ini_config(relpath, text, "pytest") or PytestConfig(relpath, 1)
        if name == "pyproject.toml":
            found = _toml_config(relpath, text)
            if found:
                return found
        if name == "tox.ini":
            found = _ini_config(relpath, text, "pytest")
            if found:
                return found
        if name == "setup.cfg":
            found = _ini_config(relpath, text, "tool:pytest")
            if found:
                return found
    return None


def _explicit_config(relpath: str, text: str) -> PytestConfig:
    name = PurePosixPath(relpath).name
    if name == "pyproject.toml":
        found = _toml_config(relpath, text)
        default = "tool.pytest.ini_options"
    elif name.endswith(".toml"):
        found, default = _toml_config(relpath, text, native=True), "pytest"
    else:
        default = "tool:pytest" if name == "setup.cfg" else "pytest"
        found = _ini_config(relpath, text, default)
    return found or PytestConfig(relpath, 1, section=default)


def _ini_config(relpath: str, text: str, section: str) -> PytestConfig | None:
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#", ";"))
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_section(section):
        return None
    config = PytestConfig(relpath, _header_line(text, rf"\[\s*{re.escape(section)}\s*\]"))
    config.section = section
    lines = text.splitlines()
    for key, value in parser.items(section):
        config.options[key] = (value.strip(), _key_line(lines, key, config.header_line))
    return config


def _toml_config(relpath: str, text: str, *, native: bool = False) -> PytestConfig | None:
    """`native`: pytest.toml, whose settings sit in a top-level `[pytest]` table."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    if native:
        table = data.get("pytest")
        if not isinstance(table, dict):
            return None
        config = PytestConfig(relpath, _header_line(text, r"\[\s*pytest\s*\]"))
        lines = text.splitlines()
        for key, value in table.items():
            config.options[key] = (str(value), _key_line(lines, key, config.header_line))
        return config
    pytest_table = data.get("tool", {}).get("pytest", {})
    table = pytest_table.get("ini_options") if isinstance(pytest_table, dict) else None
    pattern = r"\[\s*tool\.pytest\.ini_options\s*\]"
    section = "tool.pytest.ini_options"
    if not isinstance(table, dict):
        if isinstance(pytest_table, dict) and pytest_table:
            table, pattern, section = pytest_table, r"\[\s*tool\.pytest\s*\]", "tool.pytest"
        else:
            return None
    config = PytestConfig(relpath, _header_line(text, pattern))
    config.section = section
    lines = text.splitlines()
    for key, value in table.items():
        config.options[key] = (str(value), _key_line(lines, key, config.header_line))
    return config


def _header_line(text: str, pattern: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(pattern, line.strip()):
            return number
    return 1


def _key_line(lines: list[str], key: str, start: int) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*[=:]")
    for number in range(start, len(lines) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return start


def config_findings(
    modules: dict[str, FileFacts],
    paths: dict[str, str],
    tests: set[str],
    config: PytestConfig | None,
    version: PytestAsyncio | None = None,
) -> list[Finding]:
    """LS302: the pytest-asyncio configuration, judged against the async tests and
    fixtures that exist and the pytest-asyncio version the project uses."""
    version = version or PytestAsyncio((), "unknown")
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
    options = config.options if config else {}
    out: list[Finding] = []

    def at(key: str) -> tuple[str, int]:
        if config is None:
            module, func = unmarked[0] if unmarked else (sorted(tests)[0], None)
            return paths[module], func.line if func else 1
        return config.path, options.get(key, ("", config.header_line))[1]

    mode = options.get("asyncio_mode", ("strict", 0))[0].strip().lower()
    if mode == "strict" and unmarked:
        path, line = at("asyncio_mode")
        module, func = unmarked[0]
        out.append(
            _finding(
                path,
                line,
                f"asyncio_mode is strict{'' if 'asyncio_mode' in options else ' (the default)'} "
                f"and {len(unmarked)} async test(s) lack `@pytest.mark.asyncio` (first: "
                f"{paths[module]}:{func.line}), so pytest does not run them; set "
                "`asyncio_mode = auto` or mark them.",
            )
        )
    fixture_scope = options.get("asyncio_default_fixture_loop_scope", ("", 0))[0].strip()
    test_scope = options.get("asyncio_default_test_loop_scope", ("function", 0))[0].strip()
    uses = f"pytest-asyncio {version.text} ({version.source})"
    for module, func in async_fixtures:
        out.extend(_fixture_findings(paths[module], func, mode, fixture_scope, test_scope, uses))
    if not fixture_scope and version.at_least(0, 24):
        path, line = at("asyncio_default_fixture_loop_scope")
        out.append(
            _finding(
                path,
                line,
                f"`asyncio_default_fixture_loop_scope` is unset, so {uses} warns on every run "
                "and async fixtures fall back to their own scope as loop scope; set it (usually "
                "to `function`).",
            )
        )
    elif (
        fixture_scope in _SCOPES
        and test_scope in _SCOPES
        and _SCOPES.index(fixture_scope) > _SCOPES.index(test_scope)
    ):
        path, line = at("asyncio_default_fixture_loop_scope")
        out.append(
            _finding(
                path,
                line,
                f"async fixtures run on a {fixture_scope}-scoped loop but tests on a "
                f"{test_scope}-scoped one, so objects a fixture creates are 'attached to a "
                "different loop' in the test; use the same loop scope for both.",
            )
        )
    return out


def _fixture_findings(
    path: str, func: Function, mode: str, default_loop_scope: str, test_scope: str, uses: str
) -> list[Finding]:
    """An async fixture pytest-asyncio will not run (strict mode, plain `pytest.fixture`),
    or one whose loop outlives the tests' loops."""
    out: list[Finding] = []
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
    if (
        loop_scope in _SCOPES
        and test_scope in _SCOPES
        and _SCOPES.index(loop_scope) > _SCOPES.index(test_scope)
    ):
        out.append(
            _finding(
                path,
                func.line,
                f"async fixture `{name}` runs on a {loop_scope}-scoped loop, but the tests that "
                f"use it run on {test_scope}-scoped loops, so what it creates is 'attached to a "
                f'different loop\' there; give those tests `loop_scope="{loop_scope}"` (or set '
                f"`asyncio_default_test_loop_scope = {loop_scope}`).",
            )
        )
    return out


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
