"""The project-wide index: every module's facts, and dotted-name resolution across them.

`resolve("pkg.api.fetch")` follows re-exports (`from .impl import fetch` in
`pkg/api.py`), aliases, module-level instances (`app = Celery()`), classes (calling a class
runs `__init__`) and inheritance (`self.m()` finds `m` in a base class), so that a call
written any way reaches the function that really runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loopsafe.facts.model import Call, ClassInfo, FileFacts, Function

if TYPE_CHECKING:
    from loopsafe.facts.index_parts import IndexParts


def add_renames(out: dict[str, set[str]], facts: FileFacts) -> None:
    """The other local names a module imports each name under (`import f as g`: f -> {g})."""
    for table in (facts.imports, facts.aliases):
        for local, target in table.items():
            original = target.rpartition(".")[2].removesuffix("()")
            if original and original != local:
                found = out.get(original)
                if found is None:
                    out[original] = {local}
                else:
                    found.add(local)


_MAX_DEPTH = 12


@dataclass(slots=True)
class FunctionRef:
    key: str  # dotted: "pkg.mod.Class.method"
    module: str
    func: Function

    @property
    def label(self) -> str:
        return f"{self.module}:{self.func.qualname}"


@dataclass
class ProjectIndex:
    modules: dict[str, FileFacts]
    paths: dict[str, str] = field(default_factory=dict)  # module -> relpath
    functions: dict[str, FunctionRef] = field(default_factory=dict)
    classes: dict[str, tuple[str, ClassInfo]] = field(default_factory=dict)
    subclasses: dict[str, list[str]] = field(default_factory=dict)
    _memo: dict[tuple[str, str, bool, bool, bool], tuple[str, ...]] = field(default_factory=dict)
    _canonical: dict[str, str] = field(default_factory=dict)
    _split: dict[str, tuple[str, list[str]] | None] = field(default_factory=dict)
    _tops: set[str] = field(default_factory=set)
    _aliases: dict[str, set[str]] | None = None
    # Modules with a decorated function or a callable made by a helper (`x = helper(f)`):
    # the only ones `made_callables` reads. None until listed (`build` lists them).
    _making: set[str] | None = None
    _imported: set[str] | None = None  # see `imported_names`
    _renames: dict[str, set[str]] | None = None  # `aliases_by_name` before chaining
    # Bumped whenever a function is added or re-read, so that tables derived from the
    # functions' calls (see `rules/async_chain.py`) know when to rebuild.
    generation: int = 0

    @classmethod
    def build(
        cls, modules: dict[str, FileFacts], paths: dict[str, str], parts: IndexParts | None = None
    ) -> ProjectIndex:
        """`parts`: the modules' rows listed already (see `index_parts`), when they `fit`."""
        index = cls(modules=modules, paths=paths)
        if parts is not None:
            index.functions, index.classes = parts.functions, parts.classes
            index._tops, index._making = parts.tops, parts.making
            index._imported, index._renames = parts.imported, parts.renames
            index._subclasses()
            return index
        index._tops = {m.partition(".")[0] for m in modules}
        making = index._making = set()
        for module, facts in modules.items():
            makes = bool(facts.made)
            for qualname, func in facts.functions.items():
                key = f"{module}.{qualname}"
                index.functions[key] = FunctionRef(key, module, func)
                if func.decorators:
                    makes = True
            for qualname, info in facts.classes.items():
                index.classes[f"{module}.{qualname}"] = (module, info)
                if info.made:
                    makes = True
            if makes:
                making.add(module)
        index._subclasses()
        return index

    def _subclasses(self) -> None:
        for key, (_, info) in self.classes.items():
            for base in info.bases:
                for resolved in self.resolve_class(base):
                    self.subclasses.setdefault(resolved, []).append(key)

    # ------------------------------------------------------------------ names
    def split_module(self, dotted: str) -> tuple[str, list[str]] | None:
        """The longest project-module prefix of `dotted`, and the remaining parts."""
        if dotted in self._split:
            found = self._split[dotted]
            return (found[0], list(found[1])) if found else None
        found = self._split_uncached(dotted)
        self._split[dotted] = found
        return (found[0], list(found[1])) if found else None

    def _split_uncached(self, dotted: str) -> tuple[str, list[str]] | None:
        if dotted.partition(".")[0] not in self._tops:
            return None
        parts = dotted.split(".")
        limit = len(parts)
        for i, part in enumerate(parts):
            if part.endswith("()"):
                limit = i  # a call result is never a module
                break
        prefix = ""
        prefixes = []
        for part in parts[:limit]:
            prefix = f"{prefix}.{part}" if prefix else part
            prefixes.append(prefix)
        for i in range(len(prefixes), 0, -1):
            if prefixes[i - 1] in self.modules:
                return prefixes[i - 1], parts[i:]
        return None

    def canonical(self, dotted: str, depth: int = 0) -> str:
        """Rewrite `dotted` through re-exports and aliases until it names a definition."""
        if depth > _MAX_DEPTH or not dotted:
            return dotted
        cached = self._canonical.get(dotted)
        if cached is not None:
            return cached
        self._canonical[dotted] = dotted  # cycles (a imports b imports a) end here
        result = self._canonical_uncached(dotted, depth)
        self._canonical[dotted] = result
        return result

    def _canonical_uncached(self, dotted: str, depth: int) -> str:
        bare = dotted.replace("()", "")
        if bare in self.functions or bare in self.classes:
            return dotted
        split = self.split_module(dotted)
        if split is None:
            return dotted
        module, rest = split
        if not rest:
            return dotted
        facts = self.modules[module]
        head, called = rest[0].removesuffix("()"), rest[0].endswith("()")
        tail = rest[1:]
        suffix = ("()" if called else "") + "".join("." + t for t in tail)
        if f"{module}.{head}" in self.functions or f"{module}.{head}" in self.classes:
            return dotted
        if head in facts.imports:
            return self.canonical(facts.imports[head] + suffix, depth + 1)
        if head in facts.aliases:
            return self.canonical(facts.aliases[head] + suffix, depth + 1)
        if head in facts.constructed:
            return self.canonical(facts.constructed[head] + "()" + suffix, depth + 1)
        for source in facts.star_imports:
            written = f"{source}.{rest[0]}" + "".join("." + t for t in tail)
            candidate = self.canonical(written, depth + 1)
            if candidate != written or f"{source}.{head}" in self.functions:
                return candidate
        return dotted

    def add_function(self, module: str, func: Function) -> None:
        """Register a function read late (a deferred body, or one nested in it)."""
        key = f"{module}.{func.qualname}"
        if key not in self.functions:
            self._memo.clear()  # a name that resolved to nothing may resolve now
        self.generation += 1
        self.functions[key] = FunctionRef(key, module, func)
        if func.decorators and self._making is not None:
            self._making.add(module)

    def imported_names(self) -> set[str]:
        """Every dotted name a module imports (`imported_modules`), listed once: a pass
        over every module's facts, asked by several passes of the same index. What a
        module imports is read with the file, never with a deferred body."""
        if self._imported is None:
            imported: set[str] = set()
            for facts in self.modules.values():
                imported.update(facts.imported_modules)
            self._imported = imported
        return self._imported

    def making_modules(self) -> set[str]:
        """Modules with a decorated function, or a callable made by a helper at module
        level or in a class body (`x = helper(f)`): where a loop entry can be made."""
        if self._making is None:
            self._making = {
                module
                for module, facts in self.modules.items()
                if facts.made
                or any(info.made for info in facts.classes.values())
                or any(func.decorators for func in facts.functions.values())
            }
        return self._making

    def aliases_by_name(self) -> dict[str, set[str]]:
        """Other local names each name is imported under (`import f as g`: f -> {g}), so a
        search by name also finds calls written with the alias."""
        if self._aliases is None:
            out = self._renames
            self._renames = None
            if out is None:
                out = {}
                for facts in self.modules.values():
                    add_renames(out, facts)
            # Chains of renames: f -> g -> h.
            changed = True
            while changed:
                changed = False
                for names in out.values():
                    extra = set().union(*(out.get(n, set()) for n in names)) - names
                    if extra:
                        names |= extra
                        changed = True
            self._aliases = out
        return self._aliases

    def resolve_class(self, dotted: str) -> list[str]:
        name = self.canonical(dotted)
        return [name] if name in self.classes else []

    def method(self, class_key: str, name: str, skip_self: bool = False) -> str | None:
        """`name` looked up along the class's bases (a simple depth-first MRO)."""
        seen: set[str] = set()
        todo = [class_key]
        first = True
        while todo:
            key = todo.pop(0)
            if key in seen or key not in self.classes:
                continue
            seen.add(key)
            _, info = self.classes[key]
            if not (first and skip_self) and name in info.methods:
                return f"{key}.{name}"
            first = False
            for base in info.bases:
                todo.extend(self.resolve_class(base))
        return None

    def resolve_call(self, call: Call, overrides: bool = True) -> tuple[str, ...]:
        """`overrides`: a `self.m()` call may also run a subclass's `m`."""
        return self.resolve(
            call.target, call.self_class, call.via_super, not call.is_value, overrides
        )

    def resolve(
        self,
        target: str,
        self_class: str = "",
        via_super: bool = False,
        called: bool = False,
        overrides: bool = True,
    ) -> tuple[str, ...]:
        """Project functions a reference may run (empty when it is not project code).

        `called`: the reference is called, so a class means its `__init__` runs."""
        memo_key = (target, self_class, via_super, called, overrides)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        result = self._resolve(target, self_class, via_super, called, overrides)
        self._memo[memo_key] = result
        return result

    def _entered(self, target: str) -> str | None:
        """`pkg.C().__aenter__().m` (from `async with C() as x: x.m()`) -> `pkg.C().m` when
        C's `__aenter__` returns the object itself (or C is not the project's to read);
        None when it returns something else, whose class is unknown."""
        for enter in ("__aenter__", "__enter__"):
            marker = f".{enter}()"
            while marker in target:
                head, _, tail = target.partition(marker)
                if head.endswith("()"):
                    cls = self.canonical(head[:-2])
                    if self._enter_returns(cls, enter) is False:
                        return None
                target = head + tail
        return target

    def _enter_returns(self, cls: str, enter: str, depth: int = 0) -> bool | None:
        """Whether class `cls` (or the nearest base defining it) returns itself from
        `enter`; None when no project class in its line defines it."""
        entry = self.classes.get(cls)
        if entry is None or depth > 10:
            return None
        if enter in entry[1].enters:
            return entry[1].enters[enter]
        for base in entry[1].bases:
            for resolved in self.resolve_class(base):
                found = self._enter_returns(resolved, enter, depth + 1)
                if found is not None:
                    return found
        return None

    def _resolve(
        self, target: str, self_class: str, via_super: bool, called: bool, overrides: bool
    ) -> tuple[str, ...]:
        if target.partition(".")[0] not in self._tops:
            return ()  # not project code: `os.path.join`, a library base class's method
        if "__enter__()" in target or "__aenter__()" in target:
            entered = self._entered(target)
            if entered is None:
                return ()
            target = entered
        if self_class:
            owner = self_class
            name = target[len(self_class) + 1 :] if target.startswith(self_class + ".") else ""
            if not name or "." in name or "(" in name:
                return ()
            found = self.method(owner, name, skip_self=via_super)
            out = [found] if found else []
            if overrides and not via_super:
                # Overrides in subclasses may run instead: keep them reachable too.
                for sub in self._all_subclasses(owner):
                    _, info = self.classes[sub]
                    if name in info.methods:
                        out.append(f"{sub}.{name}")
            return tuple(o for o in out if o in self.functions)
        name = self.canonical(target)
        called_class = name.endswith("()") and name[:-2] in self.classes
        bare = name[:-2] if name.endswith("()") else name
        if bare in self.functions:
            return (bare,)
        if called_class or (bare in self.classes and (called or name.endswith("()"))):
            init = self.method(bare, "__init__")
            return (init,) if init else ()
        if bare in self.classes:
            return ()  # a class passed as a value is not instantiated here
        # `pkg.C().m` / `pkg.C.m`: a method through an instance or the class.
        owner, _, meth = name.rpartition(".")
        if meth and owner:
            owner_bare = owner[:-2] if owner.endswith("()") else owner
            owner_name = self.canonical(owner_bare)
            if owner_name in self.classes:
                found = self.method(owner_name, meth)
                return (found,) if found else ()
        return ()

    @property
    def tops(self) -> set[str]:
        """Top-level package names of the project's modules."""
        return self._tops

    def subclasses_of(self, key: str) -> list[str]:
        return self._all_subclasses(key)

    def _all_subclasses(self, key: str) -> list[str]:
        out: list[str] = []
        todo = list(self.subclasses.get(key, []))
        while todo:
            sub = todo.pop()
            if sub in out:
                continue
            out.append(sub)
            todo.extend(self.subclasses.get(sub, []))
        return out
