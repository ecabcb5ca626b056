"""Tests and fixtures: which functions pytest collects as tests and fixtures, and which
sync fixtures hand their values to async tests (where a loop is already running)."""

from __future__ import annotations

from pathlib import PurePosixPath

from loopsafe.facts import apis
from loopsafe.facts.model import FileFacts, Function


def is_fixture(func: Function) -> bool:
    return any(d.removesuffix("()") in apis.PYTEST_FIXTURES for d in func.decorators)


def fixture_name(func: Function) -> str:
    for decorator, kwargs in zip(func.decorators, func.decorator_kwargs, strict=False):
        if decorator.removesuffix("()") in apis.PYTEST_FIXTURES and "name" in kwargs:
            return kwargs["name"]
    return func.qualname.rpartition(".")[2]


def fixture_scope(func: Function) -> str:
    """The `scope=` a fixture decorator gives it ("function" when none)."""
    for decorator, kwargs in zip(func.decorators, func.decorator_kwargs, strict=False):
        if "fixture" in decorator and kwargs.get("scope"):
            return kwargs["scope"].strip("\"'")
    return "function"


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
                fixtures.setdefault(fixture_name(func), []).append((module, paths[module], func))
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
