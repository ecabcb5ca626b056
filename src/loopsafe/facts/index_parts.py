"""The per-module rows of the project index and the caller index, filled in as each file's
facts arrive (while worker processes still parse the rest of the project) instead of in
passes over every module after the last file is parsed, when only one core is busy.

The rows are exactly what `ProjectIndex.build` and `CallerIndex` would list from the same
facts in the same order; where that is not sure (two files with one module name, two
definitions with one dotted name: the full build keeps the last of each at the first's
place), the parts give up and the full build runs.
"""

from __future__ import annotations

from loopsafe.facts.model import Call, ClassInfo, FileFacts, Function
from loopsafe.facts.project import FunctionRef, add_renames


def last_name(dotted: str) -> str:
    return dotted.rpartition(".")[2].removesuffix("()")


def add_calls(
    by_name: dict[str, list[tuple[str, Call]]], names: dict[str, str], key: str, func: Function
) -> None:
    """List function `key`'s calls (and hand-offs, escapes) under the last name of their
    target (`names` memoises it): what `CallerIndex` looks callers up by."""
    for calls in (
        func.calls,
        func.thread_targets,
        func.loop_callbacks,
        func.worker_targets,
        func.escapes,
    ):
        for call in calls:
            target = call.target
            name = names.get(target)
            if name is None:
                name = names[target] = last_name(target)
            entries = by_name.get(name)
            if entries is None:
                by_name[name] = [(key, call)]
            else:
                entries.append((key, call))


def add_function(
    deferred: dict[str, list[Function]],
    by_name: dict[str, list[tuple[str, Call]]],
    names: dict[str, str],
    key: str,
    module: str,
    func: Function,
) -> None:
    """A function's `CallerIndex` rows: listed among its module's deferred bodies, and
    its calls by name."""
    if func.deferred_start:
        waiting = deferred.get(module)
        if waiting is None:
            deferred[module] = [func]
        else:
            waiting.append(func)
    # Most functions call nothing (a deferred body is read later): pass them by.
    if (
        func.calls
        or func.thread_targets
        or func.loop_callbacks
        or func.worker_targets
        or func.escapes
    ):
        add_calls(by_name, names, key, func)


class IndexParts:
    def __init__(self) -> None:
        self.modules: dict[str, FileFacts] = {}
        # ProjectIndex
        self.functions: dict[str, FunctionRef] = {}
        self.classes: dict[str, tuple[str, ClassInfo]] = {}
        self.making: set[str] = set()
        self.tops: set[str] = set()
        self.imported: set[str] = set()  # `ProjectIndex.imported_names`
        self.renames: dict[str, set[str]] = {}  # `ProjectIndex.aliases_by_name`, unchained
        # CallerIndex
        self.deferred: dict[str, list[Function]] = {}
        self.by_name: dict[str, list[tuple[str, Call]]] = {}
        self.names: dict[str, str] = {}
        self.usable = True

    def add(self, facts: FileFacts) -> None:
        if not self.usable:
            return
        module = facts.module
        if module in self.modules:
            self.usable = False
            return
        self.modules[module] = facts
        self.tops.add(module.partition(".")[0])
        self.imported.update(facts.imported_modules)
        add_renames(self.renames, facts)
        functions, deferred, by_name, names = (
            self.functions,
            self.deferred,
            self.by_name,
            self.names,
        )
        makes = bool(facts.made)
        for qualname, func in facts.functions.items():
            key = f"{module}.{qualname}"
            if key in functions:
                self.usable = False
                return
            functions[key] = FunctionRef(key, module, func)
            if func.decorators:
                makes = True
            add_function(deferred, by_name, names, key, module, func)
        for qualname, info in facts.classes.items():
            key = f"{module}.{qualname}"
            if key in self.classes:
                self.usable = False
                return
            self.classes[key] = (module, info)
            if info.made:
                makes = True
        if makes:
            self.making.add(module)

    def fit(self, modules: dict[str, FileFacts]) -> bool:
        """Were the parts made from these very facts, in this order (and not given up)?"""
        return (
            self.usable
            and len(modules) == len(self.modules)
            and all(a is b for a, b in zip(modules.values(), self.modules.values(), strict=True))
            and all(a == b for a, b in zip(modules, self.modules, strict=True))
        )
