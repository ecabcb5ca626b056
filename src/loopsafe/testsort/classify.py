"""Sorting test files into unit / integration / e2e from static evidence.

A test's evidence is what its own code shows, plus its class's set-up, plus every fixture
it requests (by argument, `usefixtures`, `getfixturevalue`, autouse, the config's
`usefixtures`), followed through conftest.py files the way pytest resolves them: the
test's class, its module, conftest.py in its directory and each parent up to the
rootdir, then `pytest_plugins`, the nearest definition winning, and a fixture that
requests its own name getting the next one out. A class or file takes the highest
category of its tests. Markers already in the code are respected: they set the category,
and evidence that says more is reported as a conflict.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from loopsafe.model import ParseError
from loopsafe.parse.source import SourceError, parse_source, read_source
from loopsafe.testsort import catalogue as cat
from loopsafe.testsort.facts import (
    Collect,
    Fixture,
    Mark,
    ModuleFacts,
    Scan,
    TestClass,
    TestFunction,
    module_facts,
)
from loopsafe.testsort.model import (
    CANCELS,
    CATEGORY_BY_NAME,
    DECISIVE,
    Category,
    Evidence,
    FileResult,
    ItemResult,
    Kind,
    highest,
)
from loopsafe.testsort.pytestconfig import ConfigFinder, PytestConfig

PURE_LOGIC = "pure logic: no mocks, services, browsers or servers found"


@dataclass
class Outcome:
    files: list[FileResult] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)
    configs: dict[str, PytestConfig] = field(default_factory=dict)  # by FileResult.path


# --------------------------------------------------------------------------- modules
class _Modules:
    """Parsed modules by absolute path; each file is read and parsed once."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = str(cwd.absolute())
        self.facts: dict[tuple[Path, bool], ModuleFacts | None] = {}
        self.by_relpath: dict[str, ModuleFacts] = {}
        self.errors: dict[str, ParseError] = {}

    def rel(self, path: Path) -> str:
        text = os.path.abspath(path)
        prefix = self.cwd.rstrip(os.sep) + os.sep
        rel = text[len(prefix) :] if text.startswith(prefix) else text
        return rel.replace(os.sep, "/")

    def load(self, path: Path, collect: Collect | None) -> ModuleFacts | None:
        """`collect` None: a conftest or fixture module (no tests collected from it)."""
        path = Path(os.path.abspath(path))
        key = (path, collect is not None)  # a test module can also be a fixture module
        if key in self.facts:
            return self.facts[key]
        relpath = self.rel(path)
        if relpath in self.errors:
            return None
        try:
            parsed = parse_source(read_source(path), str(path))
        except SourceError as exc:
            self.errors[relpath] = exc.to_parse_error(relpath)
            self.facts[key] = None
            return None
        facts = module_facts(parsed.tree, relpath, collect or Collect(), tests=collect is not None)
        self.facts[key] = facts
        self.by_relpath.setdefault(relpath, facts)
        return facts

    def module_file(self, module: str, level: int, origin: Path, rootdir: Path) -> Path | None:
        """The file of `module` imported from `origin`, if it is inside the project."""
        parts = [p for p in module.split(".") if p]
        if level:
            base = origin.parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        else:
            bases = [rootdir, rootdir / "src", *_between(origin.parent, rootdir)]
        for base in bases:
            candidate = base.joinpath(*parts) if parts else base
            if candidate.with_suffix(".py").is_file() and parts:
                return candidate.with_suffix(".py")
            if (candidate / "__init__.py").is_file():
                return candidate / "__init__.py"
        return None


def _between(directory: Path, top: Path) -> list[Path]:
    """`directory` and its parents, up to and including `top` (just `directory` when it is
    not below `top`)."""
    out = [directory]
    if directory != top and top not in directory.parents:
        return out
    while directory != top:
        directory = directory.parent
        out.append(directory)
    return out


# --------------------------------------------------------------------------- fixtures
_Found = tuple[Fixture, int] | tuple[Category, Kind, str] | None


@dataclass
class _Level:
    fixtures: dict[str, Fixture]
    module: ModuleFacts | None = None  # fixtures imported into it are found lazily
    origin: Path | None = None


class _Resolver:
    """Fixture lookup for the tests of one module (or one class in it)."""

    def __init__(self, levels: list[_Level], modules: _Modules, rootdir: Path) -> None:
        self.levels = levels
        self.modules = modules
        self.rootdir = rootdir
        self.memo: dict[int, list[Evidence]] = {}

    def find(self, name: str, start: int = 0) -> tuple[Fixture, int] | None:
        for index in range(start, len(self.levels)):
            level = self.levels[index]
            fixture = level.fixtures.get(name) or self._imported(level, name)
            if fixture is not None:
                return fixture, index
        return None

    def _imported(self, level: _Level, name: str) -> Fixture | None:
        module, origin = level.module, level.origin
        if module is None or origin is None:
            return None
        sources = []
        if name in module.import_sources:
            sources.append(module.import_sources[name])
        sources.extend(module.star_imports)
        for dotted, dots in sources:
            path = self.modules.module_file(dotted, dots, origin, self.rootdir)
            if path is None or path == origin:
                continue
            facts = self.modules.load(path, None)
            if facts is not None:
                for fixture in facts.fixtures:
                    if fixture.name == name:
                        level.fixtures.setdefault(name, fixture)
                        return fixture
        return None

    def autouse(self) -> list[str]:
        names: list[str] = []
        for level in self.levels:
            names.extend(f.name for f in level.fixtures.values() if f.autouse)
        return list(dict.fromkeys(names))

    def request(self, name: str, at: int, relpath: str) -> list[Evidence]:
        """Evidence a test gets by requesting fixture `name` at line `at` of its file."""
        found = self.find(name)
        if found is None:
            plugin = cat.PLUGIN_FIXTURES.get(name)
            if plugin is None:
                return []
            return [Evidence(plugin[0], plugin[1], plugin[2], relpath, at)]
        fixture, index = found
        return [replace(e, via=(name, *e.via), at=at) for e in self.closure(fixture, index)]

    def _deps(self, fixture: Fixture, index: int) -> list[tuple[str, int, _Found]]:
        """What `fixture` requests, resolved from the requesting test's point of view."""
        out: list[tuple[str, int, _Found]] = []
        for dep, line in [*fixture.params, *fixture.scan.requests]:
            start = index + 1 if dep == fixture.name else 0
            out.append((dep, line, self.find(dep, start) or cat.PLUGIN_FIXTURES.get(dep)))
        return out

    def closure(self, fixture: Fixture, index: int) -> list[Evidence]:
        """Everything `fixture` brings, through the fixtures it requests (iteratively: a
        chain of fixtures can be longer than Python's recursion limit). Each evidence's
        `via` is the chain below `fixture`."""
        work: list[tuple[Fixture, int, bool]] = [(fixture, index, False)]
        visiting: set[int] = set()
        deps: dict[int, list[tuple[str, int, _Found]]] = {}
        while work:
            current, at, expanded = work.pop()
            key = id(current)
            if key in self.memo:
                continue
            if key not in deps:
                deps[key] = self._deps(current, at)
            if not expanded:
                visiting.add(key)
                work.append((current, at, True))
                for _, _, found in deps[key]:
                    if isinstance(found, tuple) and isinstance(found[0], Fixture):
                        inner = id(found[0])
                        if inner not in self.memo and inner not in visiting:
                            work.append((found[0], found[1], False))
                continue
            module = self.modules.by_relpath.get(current.path)
            out = own_evidence(current.scan, module, current.owner)
            for name, line, found in deps[key]:
                if found is None:
                    continue
                if isinstance(found[0], Fixture):
                    below = self.memo.get(id(found[0]), [])  # [] on a cycle
                    out.extend(replace(e, via=(name, *e.via)) for e in below)
                else:
                    category, kind, reason = found
                    out.append(Evidence(category, kind, reason, current.path, line))
            self.memo[key] = out
            visiting.discard(key)
        return self.memo.get(id(fixture), [])


def own_evidence(scan: Scan, module: ModuleFacts | None, owner: TestClass | None) -> list[Evidence]:
    """The evidence of `scan` and of the module-level helpers and `self.` methods it uses,
    transitively."""
    out: list[Evidence] = []
    seen: set[int] = set()
    todo = [scan]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.extend(current.evidence)
        if module is not None:
            todo.extend(module.symbols[n] for n in current.refs if n in module.symbols)
        if owner is not None:
            todo.extend(owner.methods[n] for n in current.self_refs if n in owner.methods)
    return out


# --------------------------------------------------------------------------- decisions
def decide(evidence: Iterable[Evidence]) -> tuple[Category, list[Evidence]]:
    """The category the evidence points to, and the evidence that supports it. Weak
    evidence that a mock in the same scope cancels stays listed, marked as mocked."""
    evidence = list(evidence)
    cancellable: set[Kind] = set()
    for e in evidence:
        cancellable |= CANCELS.get(e.kind, frozenset())
    marked = [replace(e, cancelled=True) if e.kind in cancellable else e for e in evidence]
    decisive = [e for e in marked if e.kind in DECISIVE and not e.cancelled]
    category = highest([e.category for e in decisive])
    if category is Category.UNIT:
        support = [e for e in marked if e.category is Category.UNIT or e.cancelled]
    else:
        support = [e for e in decisive if e.category is category]
    return category, support


def category_marks(marks: Iterable[Mark]) -> list[tuple[Category, int]]:
    return [(CATEGORY_BY_NAME[m.name], m.line) for m in marks if m.name in CATEGORY_BY_NAME]


@dataclass
class _Node:
    name: str
    line: int
    marks: list[Mark]
    evidence_category: Category
    support: list[Evidence]
    declared: Category | None  # by its own marks
    inherited: Category | None
    category: Category
    conflict: str = ""
    children: list[_Node] = field(default_factory=list)
    is_test: bool = False


def _node(
    name: str,
    line: int,
    marks: list[Mark],
    inherited: Category | None,
    own: list[Evidence],
    children: list[_Node],
    relpath: str,
    is_test: bool = False,
) -> _Node:
    own_category, own_support = decide(own)
    evidence_category = highest([own_category, *(c.evidence_category for c in children)])
    support = list(own_support) if own_category is evidence_category else []
    for child in children:
        if child.evidence_category is evidence_category:
            support.extend(child.support)
    declared_all = category_marks(marks)
    declared = highest([c for c, _ in declared_all]) if declared_all else None
    effective = declared or inherited
    if effective is not None:
        category = effective
    else:
        category = highest([own_category, *(c.category for c in children)])
    node = _Node(
        name, line, marks, evidence_category, support, declared, inherited, category, "", children
    )
    node.is_test = is_test
    distinct = sorted({c for c, _ in declared_all}, key=lambda c: c.rank)
    if len(distinct) > 1:
        node.conflict = "marked both " + " and ".join(f"`{c.value}`" for c in distinct)
    elif declared is not None and inherited is not None and inherited.rank < declared.rank:
        # pytest marks accumulate: the outer, lower mark still selects this test
        node.conflict = (
            f"marked `{declared.value}`, but an enclosing `{inherited.value}` mark applies too: "
            f"`pytest -m {inherited.value}` selects it"
        )
    elif declared is not None and evidence_category.rank > declared.rank:
        first = min((e for e in support if not e.cancelled), key=_order, default=None)
        detail = ""
        if first is not None:
            at, reason = first.entry(relpath)
            detail = f": {reason}" + (f" (line {at})" if at else "")
        node.conflict = (
            f"marked `{declared.value}`, but the evidence says {evidence_category.value}{detail}"
        )
    return node


def _order(e: Evidence) -> tuple[int, str]:
    return (e.at or e.line, e.reason)


# --------------------------------------------------------------------------- one file
class _FileClassifier:
    def __init__(
        self,
        facts: ModuleFacts,
        path: Path,
        config: PytestConfig,
        modules: _Modules,
    ) -> None:
        self.facts = facts
        self.path = path
        self.config = config
        self.modules = modules
        self.base_levels = self._levels()
        self.layout = self._layout()

    def _layout(self) -> list[Evidence]:
        """The innermost `unit/`, `integration/` or `e2e/` directory below the rootdir."""
        try:
            parts = self.path.parent.relative_to(self.config.rootdir).parts
        except ValueError:
            parts = self.path.parent.parts[-3:]
        for part in reversed(parts):
            category = cat.LAYOUT_DIRS.get(part.lower())
            if category is not None:
                reason = f"in the `{part}/` directory"
                return [Evidence(category, Kind.LAYOUT, reason, self.facts.path, 0)]
        return []

    def _levels(self) -> list[_Level]:
        rootdir = self.config.rootdir
        levels = [_Level({f.name: f for f in self.facts.fixtures}, self.facts, self.path)]
        plugin_sources: list[tuple[str, Path]] = [(p, self.path) for p in self.facts.pytest_plugins]
        for directory in _between(self.path.parent, rootdir):
            conftest = directory / "conftest.py"
            if not conftest.is_file():
                continue
            facts = self.modules.load(conftest, None)
            if facts is None:
                continue
            levels.append(_Level({f.name: f for f in facts.fixtures}, facts, conftest))
            plugin_sources.extend((p, conftest) for p in facts.pytest_plugins)
        for dotted, origin in plugin_sources:
            found = self.modules.module_file(dotted, 0, origin, rootdir)
            facts = self.modules.load(found, None) if found is not None else None
            if facts is not None and found is not None:
                levels.append(_Level({f.name: f for f in facts.fixtures}, facts, found))
        return levels

    def resolver(self, classes: Sequence[TestClass]) -> _Resolver:
        class_levels = [_Level({f.name: f for f in c.fixtures}) for c in reversed(classes)]
        return _Resolver([*class_levels, *self.base_levels], self.modules, self.config.rootdir)

    def test_evidence(
        self, test: TestFunction, classes: Sequence[TestClass], resolver: _Resolver
    ) -> list[Evidence]:
        facts, relpath = self.facts, self.facts.path
        owner = classes[-1] if classes else None
        out = own_evidence(test.scan, facts, owner) + self.layout
        marks: list[Mark] = [*test.marks]
        requests: list[tuple[str, int]] = [*test.params, *test.scan.requests]
        for klass in classes:
            out.extend(own_evidence(klass.scan, facts, klass))
            out.extend(own_evidence(klass.setup, facts, klass))
            requests.extend(klass.setup.requests)
            marks.extend(klass.marks)
        if "pytestmark" in facts.symbols:
            out.extend(own_evidence(facts.symbols["pytestmark"], facts, None))
        marks.extend(facts.marks)
        for mark in marks:
            if mark.name == "usefixtures":
                requests.extend((name, mark.line) for name in mark.strings)
            found = cat.MARK_EVIDENCE.get(mark.name)
            if found is not None:
                out.append(Evidence(*found, relpath, mark.line))
        requests.extend((name, test.line) for name in self.config.get("usefixtures"))
        requests.extend((name, test.line) for name in resolver.autouse())
        done: set[str] = set()
        for name, line in requests:
            if name in done or name == "request":
                continue
            done.add(name)
            out.extend(resolver.request(name, line, relpath))
        return out

    def class_node(
        self, klass: TestClass, outer: Sequence[TestClass], inherited: Category | None
    ) -> _Node:
        chain = [*outer, klass]
        resolver = self.resolver(chain)
        own_marks = category_marks(klass.marks)
        declared = highest([c for c, _ in own_marks]) if own_marks else None
        inner_inherited = declared or inherited
        children = [self.function_node(t, chain, resolver, inner_inherited) for t in klass.tests]
        children.extend(self.class_node(c, chain, inner_inherited) for c in klass.classes)
        own = own_evidence(klass.scan, self.facts, klass) + own_evidence(
            klass.setup, self.facts, klass
        )
        return _node(klass.name, klass.line, klass.marks, inherited, own, children, self.facts.path)

    def function_node(
        self,
        test: TestFunction,
        classes: Sequence[TestClass],
        resolver: _Resolver,
        inherited: Category | None,
    ) -> _Node:
        evidence = self.test_evidence(test, classes, resolver)
        return _node(
            test.name, test.line, test.marks, inherited, evidence, [], self.facts.path, True
        )

    def result(self) -> FileResult:
        facts = self.facts
        declared_all = category_marks(facts.marks)
        declared = highest([c for c, _ in declared_all]) if declared_all else None
        resolver = self.resolver([])
        children = [self.function_node(t, [], resolver, declared) for t in facts.tests]
        children.extend(self.class_node(c, [], declared) for c in facts.classes)
        module_evidence = own_evidence(facts.module_scan, facts, None) + self.layout
        root = _node("", 0, facts.marks, None, module_evidence, children, facts.path)
        relpath = facts.path
        items: list[ItemResult] = []
        conflicts = [root.conflict] if root.conflict else []
        tests = self._flatten(root, root.category, "", items, conflicts)
        mark_names = list(dict.fromkeys(m.name for m in facts.marks))
        return FileResult(
            path=relpath,
            abspath=self.path,
            category=root.category,
            evidence=_entries(root, relpath),
            markers=mark_names,
            conflict="; ".join(conflicts),
            items=items,
            conflicts=conflicts,
            declared=declared,
            tests=tests,
        )

    def _flatten(
        self,
        node: _Node,
        parent: Category,
        prefix: str,
        items: list[ItemResult],
        conflicts: list[str],
    ) -> int:
        """List the descendants that differ from their parent; count the tests."""
        count = 0
        for child in node.children:
            name = f"{prefix}::{child.name}" if prefix else child.name
            if child.category is not parent or child.conflict:
                items.append(
                    ItemResult(
                        name=name,
                        line=child.line,
                        category=child.category,
                        evidence=_entries(child, self.facts.path),
                        markers=list(dict.fromkeys(m.name for m in child.marks)),
                        conflict=child.conflict,
                    )
                )
                if child.conflict:
                    conflicts.append(f"{name}: {child.conflict}")
            count += 1 if child.is_test else 0
            count += self._flatten(child, child.category, name, items, conflicts)
        return count


def _entries(node: _Node, relpath: str) -> list[tuple[int, str]]:
    """What a row reports: its markers, the evidence found, and, when its category comes
    from marked tests inside it, those tests."""
    entries: list[tuple[int, str]] = [
        (line, f"marked `{category.value}`") for category, line in category_marks(node.marks)
    ]
    origins: set[tuple[str, int, str]] = set()
    for e in sorted(node.support, key=_order):
        if (e.path, e.line, e.reason) not in origins:  # one fixture used by many tests
            origins.add((e.path, e.line, e.reason))
            entries.append(e.entry(relpath))
    if node.declared is None and node.category.rank > node.evidence_category.rank:
        for child in _marked_descendants(node, node.category):
            line = min(n for c, n in category_marks(child.marks) if c is node.category)
            entries.append((line, f"`{child.name}` is marked `{node.category.value}`"))
    if not entries:
        entries.append((0, PURE_LOGIC))
    seen: set[str] = set()
    unique = []
    for line, reason in sorted(entries, key=lambda e: (e[0], e[1])):
        if reason not in seen:
            seen.add(reason)
            unique.append((line, reason))
    return unique


def _marked_descendants(node: _Node, category: Category) -> list[_Node]:
    out = []
    for child in node.children:
        if child.declared is category:
            out.append(child)
        out.extend(_marked_descendants(child, category))
    return out


# --------------------------------------------------------------------------- the run
def fnmatch_ex(pattern: str, path: str) -> bool:
    """pytest's `fnmatch_ex`: a pattern without a separator matches the name, one with a
    separator matches the end of the path."""
    name = os.path.basename(path)
    if os.sep not in pattern and "/" not in pattern:
        return fnmatch.fnmatch(name, pattern)
    pattern = pattern.replace("/", os.sep)
    if not os.path.isabs(pattern):
        pattern = f"*{os.sep}{pattern}"
    return fnmatch.fnmatch(path, pattern)


def is_test_file(path: Path, config: PytestConfig) -> bool:
    name = path.name
    if name == "conftest.py":
        return False
    return any(fnmatch_ex(p, str(path)) for p in config.get("python_files"))


def recursed(path: Path, top: Path, config_for: ConfigFinder) -> bool:
    """Whether pytest would walk into every directory between `top` and `path`."""
    directory = path.parent
    while directory != top and top in directory.parents:
        patterns = config_for.for_dir(directory.parent).get("norecursedirs")
        if any(fnmatch_ex(p, str(directory)) for p in patterns):
            return False
        if (directory / "pyvenv.cfg").is_file():
            return False
        directory = directory.parent
    return True


def classify_files(
    files: Sequence[tuple[Path, bool, Path]], cwd: Path, finder: ConfigFinder | None = None
) -> Outcome:
    """`files`: (path, named explicitly, the directory the walk started from)."""
    finder = finder or ConfigFinder(cwd)
    modules = _Modules(cwd)
    outcome = Outcome()
    for path, explicit, top in files:
        config = finder.for_dir(path.parent)
        if path.name == "conftest.py":
            continue
        if not explicit and (not is_test_file(path, config) or not recursed(path, top, finder)):
            continue
        collect = Collect(config.get("python_classes"), config.get("python_functions"))
        facts = modules.load(path, collect)
        if facts is None:
            continue
        try:
            result = _FileClassifier(facts, Path(os.path.abspath(path)), config, modules).result()
        except RecursionError:
            message = "too deeply nested to analyse (fixtures, classes or marks)"
            modules.errors[facts.path] = ParseError(facts.path, 0, message)
            continue
        outcome.files.append(result)
        outcome.configs[result.path] = config
    outcome.files.sort(key=lambda f: f.path.replace("/", "\0"))
    outcome.parse_errors = sorted(modules.errors.values(), key=lambda e: (e.path, e.line))
    return outcome
