"""The project's own loop entries, and the coroutines that call them.

A function that runs a coroutine to completion for its caller is a loop entry like
`asyncio.run()`: called from a coroutine it raises (or blocks the loop). When it is a plain
`def`, the call graph already leads from the coroutine to the site inside it. These are the
ones the graph cannot see, because the callable is *made*:

- by a decorator of the project whose wrapper enters a loop (`@sync_wrapper async def f`);
- by a helper applied to a function (`start = async_to_sync(_start)` in a class body,
  `fetch = syncify(_fetch)` at module level), the project's own or a known library's.

Each call of such a callable inside an `async def` becomes a `WRAPPER_CALL` site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loopsafe.facts import apis
from loopsafe.facts.callers import CallerIndex, Requests
from loopsafe.facts.index_parts import last_name
from loopsafe.facts.model import Call, LoopApi, ScopeKind, Site, SiteKind
from loopsafe.facts.project import ProjectIndex

# Library helpers that turn an async function into a sync one running its own loop.
KNOWN_MAKERS = frozenset(
    {
        "asgiref.sync.async_to_sync",
        "asgiref.sync.AsyncToSync",
        "asyncer.syncify",
        "asyncer.runnify",
        "asyncer._main.syncify",
        "asyncer._main.runnify",
    }
)
_ENTRY_KINDS = (SiteKind.RUN, SiteKind.LOOP_RUN)
RUNNER_TOPS = frozenset(name.partition(".")[0] for name in apis.RUN_APIS)


@dataclass(frozen=True)
class Made:
    """A callable that enters a loop: how it was made, and the async original."""

    how: str  # "made by `async_to_sync(...)`", "decorated with `@sync_wrapper`"
    original: str  # the coroutine function it wraps, dotted ("" when unknown)
    maker: str = ""  # the helper that made it, when bound to its result (`x = maker(f)`)


def entry_makers(index: ProjectIndex, is_test: Callable[[str], bool] = lambda _: False) -> set[str]:
    """Project functions that return a function entering a loop: decorators and helpers
    such as `def sync_wrapper(fn): ... def wrapper(): return asyncio.run(fn()) ...`.
    Those of test modules (`is_test(relpath)`, `@async_test` for unittest methods) are
    passed by: what they make is run by the test runner."""
    entering: set[str] = set()
    for module, facts in index.modules.items():
        if not facts.sites or is_test(index.paths.get(module, "")):
            continue  # most modules: no site, asked first
        for site in facts.sites:
            if site.kind in _ENTRY_KINDS and not site.guarded and site.scope:
                entering.add(f"{module}.{site.scope}")
    makers: set[str] = set()
    for key in entering:
        ref = index.functions.get(key)
        while ref is not None and ref.func.parent:
            parent_key = f"{ref.module}.{ref.func.parent}"
            parent = index.functions.get(parent_key)
            if parent is None:
                break
            returned = {e.target for e in parent.func.escapes if e.stored == "returned"}
            if key not in returned and not any(
                t.endswith(f".{ref.func.qualname}") for t in returned
            ):
                break
            if not parent.func.parent:
                makers.add(parent_key)
            key, ref = parent_key, parent
    return makers


def made_callables(
    index: ProjectIndex,
    is_test: Callable[[str], bool] = lambda _: False,
    makers: set[str] | None = None,
) -> dict[str, Made]:
    """Dotted name -> how it enters a loop, for every callable made by a loop-entry maker
    (`makers`: `entry_makers(index, is_test)`, when the caller has it already)."""
    if makers is None:
        makers = entry_makers(index, is_test)
    known = {*KNOWN_MAKERS, *makers}
    out: dict[str, Made] = {}
    answers: dict[str, str] = {}  # the same decorators and helpers recur in many modules

    def maker_of(dotted: str) -> str:
        found = answers.get(dotted)
        if found is None:
            canonical = index.canonical(dotted)
            found = answers[dotted] = canonical if canonical in known else ""
        return found

    making = index.making_modules()
    for module, facts in index.modules.items():
        if module not in making:
            continue  # no decorator, no `x = helper(f)`: nothing made here
        for qualname, func in facts.functions.items():
            for decorator in func.decorators:
                maker = maker_of(decorator.removesuffix("()"))
                if maker:
                    label = last_name(maker)
                    original = f"{module}.{qualname}" if func.is_async else ""
                    out[f"{module}.{qualname}"] = Made(f"decorated with `@{label}`", original)
        for name, (helper, first) in facts.made.items():
            maker = maker_of(helper)
            if maker:
                out[f"{module}.{name}"] = Made(f"made by `{last_name(maker)}(...)`", first, maker)
        for class_name, info in facts.classes.items():
            for name, (helper, first) in info.made.items():
                maker = maker_of(helper)
                if maker:
                    out[f"{module}.{class_name}.{name}"] = Made(
                        f"made by `{last_name(maker)}(...)`", first, maker
                    )
    return out


def wrapper_call_sites(
    index: ProjectIndex, callers: CallerIndex, made: dict[str, Made]
) -> dict[str, list[Site]]:
    """module -> the WRAPPER_CALL sites in it: calls of `made` loop entries (see
    `made_callables`) inside coroutines."""
    if not made:
        return {}
    requests: Requests = set()
    for dotted, entry in made.items():
        module, _, rest = _split(index, dotted)
        words = frozenset(w for w in {module.rpartition(".")[2], *rest.split(".")[:-1]} if w)
        requests.add((last_name(dotted), words, module))
        if entry.maker:  # `ping = run_sync(_ping)`: calls of `ping` read as `run_sync()`
            requests.add((last_name(entry.maker), words, module))
    callers.ask(requests)
    out: dict[str, list[Site]] = {}
    for name in {r[0] for r in requests}:
        for caller, call in callers.by_name.get(name, ()):
            ref = index.functions.get(caller)
            if ref is None or not ref.func.is_async or call.stored or call.is_value:
                continue
            target = _match(index, call, made, ref.module)
            if target is None:
                continue
            if any(call.line == c.line for c in ref.func.thread_targets):
                continue
            out.setdefault(ref.module, []).append(_site(ref.func.qualname, call, target))
    for sites in out.values():
        sites.sort(key=lambda s: (s.line, s.col))
    return out


def _split(index: ProjectIndex, dotted: str) -> tuple[str, str, str]:
    found = index.split_module(dotted)
    if found is None:
        return dotted.rpartition(".")[0], ".", last_name(dotted)
    return found[0], ".", ".".join(found[1])


def _match(index: ProjectIndex, call: Call, made: dict[str, Made], module: str) -> str | None:
    if call.target.endswith("()"):
        # A name bound to a helper's result (`ping = run_sync(_ping)`) is called as the
        # result of that helper: any callable it made, the caller's module's first.
        helper = index.canonical(call.target[:-2])
        results = sorted(
            (not d.startswith(f"{module}."), d) for d, m in made.items() if m.maker == helper
        )
        return results[0][1] if results else None
    if call.self_class:
        name = last_name(call.target)
        for cls in (call.self_class, *index.resolve_class(call.self_class)):
            if f"{cls}.{name}" in made:
                return f"{cls}.{name}"
    canonical = index.canonical(call.target)
    if canonical in made:
        return canonical
    for key in index.resolve_call(call):
        if key in made:
            return key
    return None


def _site(scope: str, call: Call, target: str) -> Site:
    name = last_name(target)
    return Site(
        kind=SiteKind.WRAPPER_CALL,
        api=LoopApi.PROJECT_ENTRY,
        line=call.line,
        col=call.col or 1,
        end_line=call.line,
        end_col=(call.col or 1) + len(name),
        scope=scope,
        scope_kind=ScopeKind.ASYNC,
        target=target,
        text=f"{name}(...)",
    )


def reexported_run_sites(
    index: ProjectIndex, callers: CallerIndex, is_test: Callable[[str], bool] = lambda _: False
) -> dict[str, list[Site]]:
    """module -> RUN sites at calls of a loop runner re-exported by a project module
    (`compat.py: from asyncio import run`, then `from myapp.compat import run; run(x)`),
    which reading one file alone cannot see. Test helpers (`is_test(relpath)`) that
    re-export one are passed by: their callers are tests, whose loop entries are fine."""
    requests: Requests = set()
    reexports: set[str] = set()
    imported = index.imported_names()
    tops, paths, canonical = index.tops, index.paths, index.canonical
    for module, facts in index.modules.items():
        if module not in imported or is_test(paths.get(module, "")):
            continue  # nothing imports it (nothing calls its names), or tests do
        own = module.partition(".")[0]
        for table in (facts.imports, facts.aliases):
            for name, target in table.items():
                top = target.partition(".")[0]
                if top in RUNNER_TOPS:
                    if top == own:
                        continue  # asyncio's own package: its names are the runner itself
                elif top not in tops:
                    continue  # neither a runner's package nor the project's
                if canonical(target) in apis.RUN_APIS:
                    # Callers elsewhere: `home` "" (the module's own calls are sites already).
                    requests.add((name, frozenset({module.rpartition(".")[2]}), ""))
                    reexports.add(f"{module}.{name}")
    if not requests:
        return {}
    callers.ask(requests)
    out: dict[str, list[Site]] = {}
    for module, facts in list(index.modules.items()):
        found: list[Site] = []
        for func in list(facts.functions.values()):
            kind = ScopeKind.ASYNC if func.is_async else ScopeKind.SYNC
            for call in func.calls:
                if call.target not in reexports:  # most calls: `_reexported` says None
                    continue
                site = _reexported(index, call, func.qualname, kind, reexports)
                if site is not None:
                    found.append(site)
        for calls, in_main in ((facts.module_calls, False), (facts.main_calls, True)):
            for call in calls:
                if call.target not in reexports:
                    continue
                site = _reexported(index, call, "", ScopeKind.MODULE, reexports)
                if site is not None:
                    site.in_main_block = in_main
                    found.append(site)
        if found:
            out[module] = found
    return out


def _reexported(
    index: ProjectIndex, call: Call, scope: str, kind: ScopeKind, reexports: set[str]
) -> Site | None:
    if call.is_value or call.stored or call.target not in reexports:
        return None
    canonical = index.canonical(call.target)
    api = apis.RUN_APIS.get(canonical)
    if api is None:
        return None
    name = last_name(call.target)
    return Site(
        kind=SiteKind.RUN,
        api=api,
        line=call.line,
        col=call.col or 1,
        end_line=call.line,
        end_col=(call.col or 1) + len(name),
        scope=scope,
        scope_kind=kind,
        target=canonical,
        text=f"{name}(...)",
    )
