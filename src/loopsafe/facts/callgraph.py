"""The call graph and the roots that reach each sync function.

A sync function's category depends on who can call it: an `async def` (then a loop is
running), an entry point, a worker task, a thread, import-time code, or code outside the
project (library API). Roots are propagated forward through sync calls only; handing a
function to a thread or a queue is not a call and cuts the chain.
"""

from __future__ import annotations

import builtins
import sys
from collections import deque
from dataclasses import dataclass, field

from loopsafe.facts import apis
from loopsafe.facts.callers import CallerIndex
from loopsafe.facts.model import Call, FileFacts, Function
from loopsafe.facts.project import ProjectIndex
from loopsafe.facts.surface import SubProjects, is_public


class Root:
    ASYNC = "async"
    ENTRY = "entry"
    WORKER = "worker"
    THREAD = "thread"
    MODULE = "module"
    EXPOSED = "exposed"  # on the public surface of a library: anyone may call it
    UNKNOWN = "unknown"  # callers the analyser cannot list (it escapes, or none found)


@dataclass
class ProjectRoles:
    """Facts about modules that only the whole project can tell."""

    test_modules: set[str] = field(default_factory=set)
    test_dirs: set[str] = field(default_factory=set)
    script_modules: set[str] = field(default_factory=set)
    # Extra decorators / targets from configuration and packaging metadata.
    entry_targets: set[str] = field(default_factory=set)  # dotted function names
    entry_decorators: set[str] = field(default_factory=set)
    worker_decorators: set[str] = field(default_factory=set)
    thread_functions: set[str] = field(default_factory=set)
    # The open world: an application's functions are called by its frameworks, a
    # library's public ones by anyone (see facts/surface.py).
    projects: SubProjects | None = None  # each file's nearest packaging and pytest config
    outside_modules: set[str] = field(default_factory=set)  # examples, docs, scripts
    public_modules: set[str] = field(default_factory=set)


@dataclass
class Reach:
    roots: dict[str, set[str]] = field(default_factory=dict)
    # For async-reached functions: the caller on a shortest path from an async function.
    async_parent: dict[str, str] = field(default_factory=dict)
    # First origin seen for each (root kind, function): a label for messages.
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    edges: dict[str, list[str]] = field(default_factory=dict)
    # Functions that are the whole life of a thread of their own (`Thread(target=f)`,
    # `Thread.run`): what they leave set in the thread dies with it.
    own_threads: set[str] = field(default_factory=set)

    _callers: dict[str, list[str]] | None = field(default=None, init=False, repr=False)

    def kinds(self, key: str) -> set[str]:
        return self.roots.get(key, set())

    def sync_test_caller(self, key: str, index: ProjectIndex, test_modules: set[str]) -> str:
        """A sync function of the tests (a test, a fixture, a helper) that reaches `key`
        through sync calls only, so with no loop running ("" when there is none). Tests
        are no root of the call graph (they only show how code is used), but what they
        run must keep working."""
        if self._callers is None:
            self._callers = {}
            for caller, targets in self.edges.items():
                for target in targets:
                    self._callers.setdefault(target, []).append(caller)
        seen = {key}
        todo = [key]
        while todo:
            for caller in self._callers.get(todo.pop(), ()):
                ref = index.functions.get(caller)
                if caller in seen or ref is None or ref.func.is_async:
                    continue
                if ref.module in test_modules:
                    return caller
                seen.add(caller)
                todo.append(caller)
        return ""

    def call_path(self, key: str, index: ProjectIndex) -> list[str]:
        path = [key]
        seen = {key}
        while path[-1] in self.async_parent:
            parent = self.async_parent[path[-1]]
            if parent in seen:
                break
            seen.add(parent)
            path.append(parent)
        return [index.functions[k].label if k in index.functions else k for k in reversed(path)]


class CallGraph:
    def __init__(
        self, index: ProjectIndex, roles: ProjectRoles, callers: CallerIndex | None = None
    ) -> None:
        self.index = index
        self.roles = roles
        self.callers = callers or CallerIndex(index)
        self.reach = Reach()
        self.seeds: dict[str, list[tuple[str, str, str]]] = {}  # kind -> (fn, parent, label)
        self.relevant: set[str] = set()
        self.names: set[str] = set()
        # Functions a framework runs itself (a command, a task, a route, `Thread.run`):
        # not API even when public.
        self.framework_roots: set[str] = set()
        self._reexports: set[str] | None = None
        self._threaded: dict[str, bool] = {}
        self._relevant_by_name: dict[tuple[str, str], list[str]] | None = None

    # ------------------------------------------------------------------ building
    def _relevant(self) -> set[str]:
        """Functions holding a site and every function that calls into one: the only part
        of the graph a verdict depends on. Found backwards from the sites, resolving only
        calls that end in the right name, so most calls are never resolved at all."""
        self.callers.test_modules = self.roles.test_modules
        return self.callers.leading_to_sites(untraced=True)

    def build(self) -> Reach:
        index = self.index
        relevant = self._relevant()
        self.relevant = relevant
        requests: set[tuple[str, frozenset[str], str]] = set()
        for key in relevant:
            requests |= self.callers.requests_for(key)
        self.names = {r[0] for r in requests}
        self.callers.ask(requests)  # every body that may refer to them is read now
        referenced: set[str] = set()
        for key in relevant:
            ref = index.functions[key]
            func = ref.func
            targets: list[str] = []
            for call in func.calls:
                resolved = self._targets(call)
                handed = self._handed_role(call) if resolved and call.passed_to else ""
                if handed:  # passed to a function that runs it in a thread or the loop
                    kind = Root.THREAD if handed == "thread" else Root.ASYNC
                    label = f"thread started in {call.passed_to}" if handed == "thread" else ""
                    for target in resolved:
                        self._seed(kind, target, key if kind == Root.ASYNC else "", label)
                        if kind == Root.THREAD:
                            self.framework_roots.add(target)
                    referenced.update(resolved)
                    continue
                if resolved and call.is_value and not call.passed_to:
                    # Handed to a callable no one can name here (a parameter, a fixture's
                    # value): when and where it runs is unknown, not "called here".
                    label = f"passed to a callable of unknown code in {ref.label}"
                    for target in resolved:
                        self._seed(Root.UNKNOWN, target, "", label)
                    referenced.update(resolved)
                    continue
                targets.extend(resolved)
                referenced.update(resolved)
            self.reach.edges[key] = targets
        for key, ref in list(index.functions.items()):
            func = ref.func
            in_graph = key in relevant
            if not (
                func.is_async
                or func.thread_targets
                or func.loop_callbacks
                or func.worker_targets
                or in_graph
            ):
                continue  # most functions: nothing below applies to them
            if not in_graph and func.is_async:
                # An async function outside the graph: only its calls into it matter.
                edges = self.reach.edges[key] = [t for c in func.calls for t in self._targets(c)]
                referenced.update(edges)
            module = ref.module
            # Most functions hand nothing to a thread, a worker or the loop: asked first.
            if func.thread_targets:
                label = f"thread started in {ref.label}"
                self._seed_all(func.thread_targets, Root.THREAD, label, referenced, "", module)
            if func.loop_callbacks:
                self._seed_all(func.loop_callbacks, Root.ASYNC, "", referenced, key, module)
            if func.worker_targets:
                label = f"job enqueued in {ref.label}"
                self._seed_all(func.worker_targets, Root.WORKER, label, referenced, "", module)
            if in_graph:
                self._seed_decorated(key, ref.module, func)
                if func.qualname.endswith(".run") and self._is_thread_class(func.class_name):
                    self.framework_roots.add(key)
                    self.reach.own_threads.add(key)
                    self._seed(Root.THREAD, key, "", f"thread {func.class_name}.run()")
        for module, facts in index.modules.items():
            self._seed_module(module, facts, referenced)
        for script in self.roles.entry_targets:
            for entry_key in index.resolve(script):
                self.framework_roots.add(entry_key)
                self._seed(Root.ENTRY, entry_key, "", f"console script {script}")
        self._seed_escapes(relevant, referenced)
        # A nested function nothing references is never called (calls, callbacks, thread
        # hand-offs, returns and stores are all references): it runs nowhere.
        self._seed_exposed()
        self._propagate()
        return self.reach

    def _targets(self, call: Call) -> tuple[str, ...]:
        if _last_name(call.target) not in self.names:
            return ()
        targets = self.index.resolve_call(call)
        if call.awaited:
            # `await x.m()` calls a coroutine function: a sync `m` found for it is another
            # class's method of the same name (`async with Client() as session` binds
            # what `__aenter__` returns, not the client). A function the name resolves to
            # exactly is the one called: `await f()` of a sync `f` runs `f` in the coroutine.
            targets = tuple(
                t
                for t in targets
                if self.index.functions[t].func.is_async
                or t == call.target
                or t.rpartition(".")[2] in ("__init__", "__new__", "__post_init__")
            )
        return tuple(t for t in targets if t in self.relevant and not self._thread_decorated(t))

    def _thread_decorated(self, key: str) -> bool:
        """Calling it runs its body in a thread (`@sync_to_async`, a project decorator
        that hands the function to `to_thread`): a call of it is no sync call."""
        func = self.index.functions[key].func
        if any(d.rstrip("()") in apis.THREAD_DECORATORS for d in func.decorators):
            return True
        if func.is_async or not func.decorators:
            return False
        found = self._threaded.get(key)
        if found is None:
            found = self._threaded[key] = any(
                self.index.canonical(d.removesuffix("()")) in self.index.functions
                and self._decorator_hands_to_thread(d)
                for d in func.decorators
            )
        return found

    def _by_name(self, call: Call, module: str) -> tuple[str, ...]:
        """A function handed on through an object whose type is unknown or misread
        (`cls._target` in a metaclass): the one function of that name in the same module,
        if there is exactly one."""
        if not module:
            return ()
        if self._relevant_by_name is None:
            table: dict[tuple[str, str], list[str]] = {}
            for key in self.relevant:
                ref = self.index.functions[key]
                simple = ref.func.qualname.rpartition(".")[2]
                table.setdefault((ref.module, simple), []).append(key)
            self._relevant_by_name = table
        found = self._relevant_by_name.get((module, _last_name(call.target)), [])
        return tuple(found) if len(found) == 1 else ()

    def _seed_all(
        self,
        calls: list[Call],
        kind: str,
        label: str,
        referenced: set[str],
        parent: str = "",
        module: str = "",
    ) -> None:
        """Every function these references name is a root of `kind`."""
        for call in calls:
            for target in self._targets(call) or self._by_name(call, module):
                referenced.add(target)
                if kind in (Root.THREAD, Root.WORKER):
                    self.framework_roots.add(target)  # what it is for is plain
                if kind == Root.THREAD and call.passed_to in apis.DEDICATED_THREADS:
                    self.reach.own_threads.add(target)
                self._seed(kind, target, parent, label)

    def _seed(self, kind: str, key: str, parent: str, label: str) -> None:
        self.seeds.setdefault(kind, []).append((key, parent, label))

    def _seed_decorated(self, key: str, module: str, func: Function) -> None:
        label = self.index.functions[key].label
        if self._thread_decorated(key):
            self._seed(Root.THREAD, key, "", f"sync_to_async wrapper {label}")
        for decorator in func.decorators:
            kind = self._decorator_root(decorator, module, func)
            if kind == Root.THREAD and func.is_async:
                continue
            if not kind and not func.is_async and self._decorator_hands_to_thread(decorator):
                kind = Root.THREAD
            if kind:
                self.framework_roots.add(key)
                self._seed(kind, key, "", _describe(kind, label, decorator))
            elif not self._transparent(decorator):
                self._seed(Root.UNKNOWN, key, "", f"wrapped by `@{decorator.lstrip('?.')}`")
        framework = self._framework_entry(module, func)
        if framework:
            self.framework_roots.add(key)
            self._seed(Root.ENTRY, key, "", f"{framework} {label}")
        if func.uses_argparse and func.qualname == "main":
            self.framework_roots.add(key)
            self._seed(Root.ENTRY, key, "", f"argparse command-line main {label}")
        if key in self.roles.entry_targets:
            self.framework_roots.add(key)
            self._seed(Root.ENTRY, key, "", f"entry point {label}")

    def _handed_role(self, call: Call) -> str:
        """For `helper(f)`: does `helper` hand the parameter `f` lands in to a thread API
        ("thread") or a loop callback registration ("callback")?"""
        for key in self.index.resolve(call.passed_to):
            ref = self.index.functions.get(key)
            if ref is None:
                continue
            params = ref.func.params
            if call.passed_as.isdigit():
                position = int(call.passed_as)
                if ref.func.class_name and params and params[0] in ("self", "cls"):
                    position += 1
                name = params[position] if position < len(params) else ""
            else:
                name = call.passed_as
            if not name:
                continue
            self.callers.read(key)  # `threading.Thread(target=fn)` needs no asyncio token
            role = ref.func.handed_params.get(name, "")
            if role:
                return role
        return ""

    def _decorator_hands_to_thread(self, decorator: str) -> bool:
        """A project decorator whose wrapper runs the function in a thread."""
        for key in self.index.resolve(decorator.removesuffix("()")):
            ref = self.index.functions.get(key)
            if ref is None or not ref.func.params:
                continue
            name = ref.func.params[0]
            self.callers.read(key)  # its wrapper's body, where the thread is
            if ref.func.handed_params.get(name) == "thread":
                return True
        return False

    def _framework_entry(self, module: str, func: Function) -> str:
        """Functions a command-line framework runs, with no loop: Alembic migrations'
        upgrade/downgrade, a Django management command's handle()."""
        facts = self.index.modules[module]
        if func.qualname in ("upgrade", "downgrade") and any(
            m == "alembic" or m.startswith("alembic.") for m in facts.imported_modules
        ):
            return "Alembic migration"
        if func.qualname.endswith(".handle") and func.class_name in self.index.classes:
            bases = self.index.classes[func.class_name][1].bases
            if any(self.index.canonical(b).endswith("BaseCommand") for b in bases):
                return "Django management command"
        return ""

    def _is_thread_class(self, class_key: str, depth: int = 0) -> bool:
        """A subclass of `threading.Thread` (or `multiprocessing.Process`): its `run()`
        runs in the new thread or process, where no loop is running."""
        entry = self.index.classes.get(class_key)
        if entry is None or depth > 10:
            return False
        for base in entry[1].bases:
            canonical = self.index.canonical(base)
            if canonical in _THREAD_CLASSES:
                return True
            if any(self._is_thread_class(k, depth + 1) for k in self.index.resolve_class(base)):
                return True
        return False

    def _transparent(self, decorator: str) -> bool:
        """A decorator that leaves the function called as it was: the standard library's
        (`functools.wraps`, `property`...), pytest's, a property's setter, or one of the
        project's own, whose body the graph follows like any call."""
        bare = decorator.removesuffix("()")
        if bare.startswith("?.") and bare[2:] in _BUILTINS:
            return True  # `staticmethod`, `classmethod`, `property`
        canonical = self.index.canonical(bare)
        top = canonical.partition(".")[0]
        if canonical in apis.THREAD_DECORATORS:
            return True  # a thread root of its own (`_thread_decorated`)
        if "." not in canonical or top in _STDLIB or top in _TRANSPARENT_TOPS:
            return True  # builtins (`staticmethod`) and the standard library
        if canonical.rpartition(".")[2] in ("setter", "getter", "deleter", "register"):
            return True
        return top in self.index.tops and not canonical.startswith("?")

    def _decorator_root(self, decorator: str, module: str, func: Function) -> str:
        bare = decorator.removesuffix("()")
        facts = self.index.modules[module]
        canonical = self.index.canonical(bare)
        if bare in self.roles.entry_decorators or canonical in self.roles.entry_decorators:
            return Root.ENTRY
        if bare in self.roles.worker_decorators or canonical in self.roles.worker_decorators:
            return Root.WORKER
        if canonical in apis.WORKER_DECORATORS or bare in apis.WORKER_DECORATORS:
            return Root.WORKER
        if canonical in apis.CLICK_COMMANDS or bare in apis.CLICK_COMMANDS:
            return Root.ENTRY
        owner, _, method = canonical.rpartition(".")
        if not owner:
            return ""
        owner_kind = self._object_kind(owner, facts)
        if owner_kind == "worker-app" and method in _worker_methods(owner, self.index):
            return Root.WORKER
        if owner_kind == "route-app" and method in apis.ROUTE_METHODS:
            return Root.THREAD
        if owner_kind == "cli-app" and method in ("command", "group", "callback"):
            return Root.ENTRY
        if method == "scheduled_job" and self.index.canonical(owner).startswith("apscheduler."):
            return Root.THREAD  # APScheduler runs sync jobs in its thread pool executor
        # Unresolvable receivers: judge by the framework the module imports.
        if owner_kind == "" and owner.startswith("?"):
            imported = {m.partition(".")[0] for m in facts.imported_modules}
            if method in ("task", "shared_task") and "celery" in imported:
                return Root.WORKER
            if method in ("actor",) and "dramatiq" in imported:
                return Root.WORKER
            if method in apis.ROUTE_METHODS and imported & {
                "fastapi",
                "starlette",
                "flask",
                "quart",
            }:
                return Root.THREAD
            if method in ("command", "group") and imported & {"click", "typer"}:
                return Root.ENTRY
        return ""

    def _object_kind(self, owner: str, facts: FileFacts) -> str:
        """What a decorator's receiver is: a Celery app, a FastAPI router, a click group..."""
        name = self.index.canonical(owner)
        constructor = name[:-2] if name.endswith("()") else ""
        if not constructor:
            # A module-level instance defined in another (or this) module.
            split = self.index.split_module(name)
            if split is not None and len(split[1]) == 1:
                other = self.index.modules[split[0]]
                constructor = other.constructed.get(split[1][0], "")
                if constructor:
                    constructor = self.index.canonical(constructor)
        if constructor:
            if constructor in apis.WORKER_APPS or constructor.startswith(("celery.", "huey.")):
                return "worker-app"
            if constructor in apis.ROUTE_APPS:
                return "route-app"
            if constructor in apis.TYPER_APPS:
                return "cli-app"
            return "other"
        if name in self.index.functions:
            # `@cli.command()` where `cli` is a click group function.
            func = self.index.functions[name].func
            for decorator in func.decorators:
                bare = self.index.canonical(decorator.removesuffix("()"))
                if bare in apis.CLICK_COMMANDS or bare.endswith((".group", ".command")):
                    return "cli-app"
            return "other"
        if name.startswith(("celery.", "dramatiq.", "huey.")):
            return "worker-app"
        return "" if owner.startswith("?") else "other"

    def _seed_module(self, module: str, facts: FileFacts, referenced: set[str]) -> None:
        is_test = module in self.roles.test_modules
        is_script = module in self.roles.script_modules
        for call in facts.main_calls:
            for target in self._targets(call):
                referenced.add(target)
                self._seed(Root.ENTRY, target, "", f"`__main__` block of {module}")
        for call in facts.module_calls:
            for target in self._targets(call):
                referenced.add(target)
                if is_test:
                    continue
                kind = Root.ENTRY if is_script else Root.MODULE
                self._seed(kind, target, "", f"import-time code of {module}")
        # Asked of every module, most of which hand nothing to threads, workers or the loop.
        if facts.module_thread_targets:
            self._seed_all(
                facts.module_thread_targets, Root.THREAD, f"thread started by {module}", referenced
            )
        if facts.module_worker_targets:
            self._seed_all(
                facts.module_worker_targets, Root.WORKER, f"job enqueued by {module}", referenced
            )
        if facts.module_loop_callbacks:
            self._seed_all(facts.module_loop_callbacks, Root.ASYNC, "", referenced)
        for info in facts.classes.values():
            if not info.list_attrs:
                continue  # most classes: no `functions = [...]` to read
            for attr in ("functions", "cron_jobs"):
                for name in info.list_attrs.get(attr, []):
                    if info.qualname.endswith("WorkerSettings") or attr == "cron_jobs":
                        for target in self.index.resolve(name):
                            referenced.add(target)
                            self._seed(Root.WORKER, target, "", f"arq worker {info.qualname}")

    def _seed_escapes(self, relevant: set[str], referenced: set[str]) -> None:
        """Functions stored, returned or wrapped where the analyser cannot follow them:
        their callers are unknown. One returned by a public function is public itself."""
        index = self.index
        for key in relevant:
            for caller, call in self.callers.stored_callers_of(key):
                referenced.add(key)
                where = index.functions[caller].label if caller in index.functions else caller
                if call.stored.startswith("registered to run later"):
                    self._seed(Root.ENTRY, key, "", f"finalizer registered in {where}")
                elif call.stored == "returned" and self._public(caller):
                    self._seed(
                        Root.EXPOSED,
                        key,
                        "",
                        f"{index.functions[key].label}, returned by the public {where}",
                    )
                else:
                    self._seed(Root.UNKNOWN, key, "", f"{call.stored} in {where}")
        for module, facts in index.modules.items():
            for call in facts.module_escapes:
                for target in index.resolve_call(call):
                    if target in relevant:
                        referenced.add(target)
                        if call.stored.startswith("registered to run later"):
                            self._seed(Root.ENTRY, target, "", f"exit handler of {module}")
                        else:
                            self._seed(Root.UNKNOWN, target, "", f"{call.stored} in {module}")

    def _public(self, key: str) -> bool:
        """On the public surface. In an application only what it declares as API is
        (`__all__`, a package `__init__` re-export): the rest is called by its frameworks."""
        ref = self.index.functions.get(key)
        if ref is None or ref.module not in self.roles.public_modules:
            return False
        facts = self.index.modules[ref.module]
        if not is_public(ref.func, facts):
            return False
        if not self._application(ref.module):
            return True
        top = ref.func.qualname.partition(".")[0]
        return (facts.dunder_all is not None and top in facts.dunder_all) or (
            f"{ref.module}.{top}" in self._reexported()
        )

    def _application(self, module: str) -> str:
        """Why the module's project is an application ("" for a library)."""
        projects = self.roles.projects
        if projects is None:
            return ""
        return projects.application(self.index.paths.get(module, module))

    def _reexported(self) -> set[str]:
        if self._reexports is None:
            self._reexports = {
                self.index.canonical(target)
                for facts in self.index.modules.values()
                if facts.is_package_init
                for target in facts.imports.values()
            }
        return self._reexports

    def _seed_exposed(self) -> None:
        """The open world. A public function of a library: anyone may call it, whatever
        its callers here (examples and tests only show how). Any other function no
        project code calls: its callers are unknown."""
        has_caller: set[str] = set()
        for caller, targets in self.reach.edges.items():
            if self.index.functions[caller].module in self.roles.test_modules:
                continue
            has_caller.update(targets)
        seeded = {key for entries in self.seeds.values() for key, _, _ in entries}
        for key in self.relevant:
            ref = self.index.functions[key]
            if ref.func.is_async or ref.module in self.roles.test_modules:
                continue
            if self._public(key) and key not in self.framework_roots:
                self._seed(Root.EXPOSED, key, "", f"{ref.label} (library API)")
            elif key not in has_caller and key not in seeded:
                if ref.func.parent:  # outside code cannot name it, and its parent never uses it
                    self._seed(Root.UNKNOWN, key, "", "defined but never used by its parent")
                elif self._application(ref.module) or ref.module in self.roles.outside_modules:
                    self._seed(Root.UNKNOWN, key, "", "no caller found")
                else:
                    self._seed(Root.EXPOSED, key, "", f"{ref.label} (library API)")

    # ------------------------------------------------------------------ propagation
    def _propagate(self) -> None:
        functions = self.index.functions
        for key, ref in functions.items():
            if ref.func.is_async:
                for target in self.reach.edges.get(key, []):
                    self._seed(Root.ASYNC, target, key, "")
        for kind, seeds in self.seeds.items():
            queue: deque[str] = deque()
            for key, parent, label in seeds:
                if key not in functions or functions[key].func.is_async:
                    continue
                roots = self.reach.roots.setdefault(key, set())
                if kind in roots:
                    continue
                roots.add(kind)
                self.reach.origin[(kind, key)] = label or (
                    functions[parent].label if parent in functions else ""
                )
                if kind == Root.ASYNC and parent:
                    self.reach.async_parent[key] = parent
                queue.append(key)
            while queue:
                current = queue.popleft()
                for target in self.reach.edges.get(current, []):
                    if functions[target].func.is_async:
                        continue
                    roots = self.reach.roots.setdefault(target, set())
                    if kind in roots:
                        continue
                    roots.add(kind)
                    self.reach.origin[(kind, target)] = self.reach.origin.get((kind, current), "")
                    if kind == Root.ASYNC:
                        self.reach.async_parent[target] = current
                    queue.append(target)


_THREAD_CLASSES = frozenset(
    {"threading.Thread", "multiprocessing.Process", "multiprocessing.context.Process"}
)
_BUILTINS = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names) - {"asyncio", "threading", "concurrent"}
# Decorators of these libraries keep the function called as before (click's options, a
# pytest mark); the ones that register it (a command, a route) are roots already.
_TRANSPARENT_TOPS = frozenset(
    {"pytest", "_pytest", "pytest_asyncio", "typing_extensions", "deprecated", "click", "typer"}
)


def _last_name(dotted: str) -> str:
    return dotted.rpartition(".")[2].removesuffix("()")


def _worker_methods(owner: str, index: ProjectIndex) -> frozenset[str]:
    for app, methods in apis.WORKER_APPS.items():
        if owner.startswith(app) or app in owner:
            return methods
    return frozenset({"task", "periodic_task", "db_task", "db_periodic_task", "actor"})


def _describe(kind: str, label: str, decorator: str) -> str:
    words = {
        Root.WORKER: "worker task",
        Root.ENTRY: "command-line entry point",
        Root.THREAD: "sync web route run in a thread pool",
    }
    return f"{words.get(kind, kind)} {label}"
