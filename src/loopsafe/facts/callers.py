"""Who may call a function, looked up by the name the call is written with.

Searches of the call graph go backwards from the sites, so the question is always "which
calls may run this function?". The index answers it without resolving every call in the
project: calls are grouped by the name they end in, and only those are resolved. A
deferred function body (see `extract(defer=True)`) is read the first time a name it
mentions is asked for — and for a method, only in modules that mention its class or a
subclass, since nothing else can reach it by that name.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

from loopsafe.facts.index_parts import IndexParts, add_calls, add_function
from loopsafe.facts.model import Call, Function, Site, SiteKind
from loopsafe.facts.project import ProjectIndex

# (name, words, home): a call written as `name`, in the module `home` or in a module that
# mentions one of `words` (the class or subclass names of a method, or the names of the
# modules a function can be imported from).
Request = tuple[str, frozenset[str], str]
Requests = set[Request]
RequestSet = AbstractSet[Request]  # what `ask` takes: a set, or `requests_for`'s frozenset
# Reads the deferred bodies matching the requests; returns the keys of the functions
# whose calls changed or that were added.
Expander = Callable[[RequestSet], list[str]]
# Reads the deferred body of one function; returns the keys of the functions read.
Reader = Callable[[str], list[str]]

_CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__"})
# Methods a test runner calls, never project code.
_RUNNER_CALLED = frozenset(
    {"setUp", "tearDown", "setUpClass", "tearDownClass", "asyncSetUp", "asyncTearDown"}
)


class CallerIndex:
    def __init__(
        self,
        index: ProjectIndex,
        expander: Expander | None = None,
        untraced: frozenset[str] = frozenset(),
        parts: IndexParts | None = None,
    ) -> None:
        """`untraced`: APIs whose call sites (`SiteKind.CALL`) are judged wherever they
        run, so their callers need not be followed (see `Rule.traces_callers`). `parts`:
        the rows of `index`'s functions listed already, when the index was built from them."""
        self.index = index
        self.expander = expander
        self.reader: Reader | None = None
        self.untraced = untraced
        self.by_name: dict[str, list[tuple[str, Call]]] = {}
        self.asked: set[Request] = set()
        self.test_modules: set[str] = set()
        self._reexports: dict[str, set[str]] | None = None
        self._names: dict[str, str] = {}  # call target -> last_name(target)
        self._requests: dict[str, frozenset[Request]] = {}  # see `requests_for`
        # (name, overrides, stored) -> (generation, calls seen, resolved key -> calls):
        # see `_resolved`.
        self._resolved_tables: dict[
            tuple[str, bool, bool], tuple[int, int, dict[str, list[tuple[str, Call]]]]
        ] = {}
        # module -> its functions whose body is still deferred, in index order: what an
        # expander reads (see `pipeline._expander`), listed in this pass over every
        # function rather than in a pass of its own.
        self.deferred: dict[str, list[Function]] = {}
        if parts is not None:  # listed as the facts arrived (see `index_parts`)
            self.deferred, self.by_name, self._names = parts.deferred, parts.by_name, parts.names
            return
        for key, ref in index.functions.items():
            add_function(self.deferred, self.by_name, self._names, key, ref.module, ref.func)

    def _add(self, key: str, func: Function) -> None:
        add_calls(self.by_name, self._names, key, func)

    def ask(self, requests: RequestSet) -> None:
        """Make sure every deferred body that may call under these names has been read."""
        new = requests - self.asked
        if not new:
            return
        self.asked |= new
        if self.expander is None:
            return
        for key in self.expander(new):
            ref = self.index.functions.get(key)
            if ref is not None:
                self._add(key, ref.func)

    def read(self, key: str) -> None:
        """Make sure the body of function `key` has been read: what a helper does with a
        function handed to it (`in_thread(f)`, `@threaded`) is in its body, which no name
        it mentions may have led to."""
        ref = self.index.functions.get(key)
        if ref is None or not ref.func.deferred_start or self.reader is None:
            return
        for added in self.reader(key):
            found = self.index.functions.get(added)
            if found is not None:
                self._add(added, found.func)

    def requests_for(self, key: str) -> frozenset[Request]:
        """The names under which code may call function `key`, with the class names that
        must be in sight for a method. Asked of the same functions by both walks, the
        call graph and its escape search: kept per function (what they depend on beyond
        `test_modules` is fixed once read: class tree, aliases, re-exports)."""
        ref = self.index.functions[key]
        func = ref.func
        if ref.module in self.test_modules and not func.parent:
            name = func.qualname.rpartition(".")[2]
            if name.startswith("test") or name in _RUNNER_CALLED:
                return frozenset()  # run by the test runner, not called by name (a nested one is)
        kept = self._requests.get(key)
        if kept is None:
            kept = self._requests[key] = self._names_for(ref.module, key, func)
        return kept

    def _names_for(self, module: str, key: str, func: Function) -> frozenset[Request]:
        name = func.qualname.rpartition(".")[2]
        if name in _CONSTRUCTORS:
            if not func.class_name:
                return frozenset()
            name = func.class_name.rpartition(".")[2]
            words = self._import_words(module, func.class_name)
        elif name.startswith("__") and name.endswith("__"):
            return frozenset()  # other dunders run through syntax, never by name
        elif func.class_name:
            words = frozenset(self._class_names(func.class_name))
        else:
            words = self._import_words(module, key)
        names = {name} | self.index.aliases_by_name().get(name, set())
        return frozenset((n, words, module) for n in names)

    def _import_words(self, module: str, key: str) -> frozenset[str]:
        """Module names a file must mention to import `key`: its own, and those of the
        modules that re-export it."""
        reexports = self._reexports
        if reexports is None:  # one pass over every import of the project, at first use
            reexports = self._reexports = {}
            tops, canonical = self.index.tops, self.index.canonical
            for other, facts in self.index.modules.items():
                basename = ""
                for target in facts.imports.values():
                    if target.partition(".")[0] in tops:
                        basename = basename or other.rpartition(".")[2]
                        name = canonical(target)
                        found = reexports.get(name)
                        if found is None:
                            reexports[name] = {basename}
                        else:
                            found.add(basename)
        return frozenset({module.rpartition(".")[2], *reexports.get(key, ())})

    def _class_names(self, class_key: str) -> set[str]:
        out = {class_key.rpartition(".")[2]}
        for sub in self.index.subclasses_of(class_key):
            out.add(sub.rpartition(".")[2])
        return out

    def leading_to_sites(
        self, overrides: bool = True, parents: bool = True, untraced: bool = False
    ) -> set[str]:
        """Functions holding a site and, transitively, every function that calls one.

        `overrides`: a `self.m()` call also leads to subclasses' `m`. `parents`: a nested
        function's parent counts as leading to it (it defines and usually runs it).
        `untraced`: sites whose verdict does not depend on their callers count too (for
        their category, among the files read anyway; no file is read for them)."""
        found: set[str] = set()
        traced: list[str] = []  # sites read for (their callers), then the others
        others: list[str] = []
        call, names = SiteKind.CALL, self.untraced  # `traced`, inlined: one pass
        for module, facts in self.index.modules.items():
            functions = facts.functions
            for site in facts.sites:
                if site.scope in functions:
                    if site.kind is not call or site.target not in names:
                        traced.append(f"{module}.{site.scope}")
                    elif untraced:
                        others.append(f"{module}.{site.scope}")
        self._walk_callers(traced, found, overrides, parents, True)
        if untraced:
            self._walk_callers(others, found, overrides, parents, False)
        return found

    def _walk_callers(
        self, todo: list[str], found: set[str], overrides: bool, parents: bool, read: bool
    ) -> None:
        """Add to `found` the functions of `todo` and every function calling one; `read`:
        read the bodies not read yet that may call them (else only those read already).

        The walk goes layer by layer, and a layer's requests go to the expander in one
        `ask`: it then looks for all their names in one pass over the modules, where a
        function at a time cost one pass (or a word -> modules index) per name."""
        index = self.index
        while todo:
            asked: dict[str, RequestSet] = {}
            if read:
                wanted: set[Request] = set()
                for key in todo:
                    if key not in found and key not in asked:
                        asked[key] = self.requests_for(key)
                        wanted |= asked[key]
                self.ask(wanted)
            layer, todo = todo, []
            while layer:
                key = layer.pop()
                if key in found:
                    continue
                found.add(key)
                known = asked.get(key)
                requests = self.requests_for(key) if known is None else known
                for name in {r[0] for r in requests}:
                    for caller, _ in self._resolved(name, overrides, False).get(key, ()):
                        if caller not in found:
                            todo.append(caller)
                ref = index.functions[key]
                if parents and ref.func.parent:
                    todo.append(f"{ref.module}.{ref.func.parent}")

    def stored_callers_of(self, key: str) -> list[tuple[str, Call]]:
        """The calls, in `callers_of` order, that store function `key` (`call.stored`)
        rather than run it (reading the bodies not read yet that may make them first)."""
        requests = self.requests_for(key)
        self.ask(requests)
        out: list[tuple[str, Call]] = []
        for name in {r[0] for r in requests}:
            out.extend(self._resolved(name, True, True).get(key, ()))
        return out

    def _resolved(
        self, name: str, overrides: bool, stored: bool
    ) -> dict[str, list[tuple[str, Call]]]:
        """The calls written as `name` that run (`stored`: that store) a function, by the
        function each may mean, in `by_name` order. Resolving every such call for each
        function asked about made the walk quadratic where many classes share a method
        name (`Client*.get`). Kept until the index changes (`generation`: a function
        read late may change what a call resolves to) or more calls are added under the
        name."""
        entries = self.by_name.get(name, [])
        generation = self.index.generation
        kept = self._resolved_tables.get((name, overrides, stored))
        if kept is not None and kept[0] == generation and kept[1] == len(entries):
            return kept[2]
        table: dict[str, list[tuple[str, Call]]] = {}
        resolve = self.index.resolve_call
        for caller, call in entries:
            if bool(call.stored) != stored:
                continue
            for key in dict.fromkeys(resolve(call, overrides)):
                table.setdefault(key, []).append((caller, call))
        self._resolved_tables[name, overrides, stored] = (generation, len(entries), table)
        return table

    def traced(self, site: Site) -> bool:
        """Does where `site` runs depend on its callers?"""
        return site.kind is not SiteKind.CALL or site.target not in self.untraced

    def callers_of(self, key: str, read: bool = True) -> list[tuple[str, Call]]:
        """Calls, anywhere in the project, whose name may mean function `key` (`read`:
        reading the bodies not read yet that may make them first)."""
        requests = self.requests_for(key)
        if read:
            self.ask(requests)
        out: list[tuple[str, Call]] = []
        for name in {r[0] for r in requests}:
            out.extend(self.by_name.get(name, ()))
        return out
