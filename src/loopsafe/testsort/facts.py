"""What one test module (or conftest.py) shows, read from its syntax tree alone.

Nothing is imported or executed. Names are resolved through the module's own imports, so
`from asyncpg import connect as pg; await pg(dsn)` is recognised as `asyncpg.connect`.
Each function, fixture and module-level symbol gets a `Scan`: the evidence in its code and
the names it refers to, so that evidence can later follow helpers, `self.` methods and
fixtures to the tests that use them.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from loopsafe.facts.scopes import import_binding
from loopsafe.testsort import catalogue as cat
from loopsafe.testsort.model import Category, Evidence, Kind

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_Add = Callable[[Category, Kind, str, ast.AST], None]
_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
_SETUP_METHODS = frozenset(
    {
        "setup_method",
        "teardown_method",
        "setup_class",
        "teardown_class",
        "setup",
        "teardown",
        "setUp",
        "tearDown",
        "setUpClass",
        "tearDownClass",
        "asyncSetUp",
        "asyncTearDown",
    }
)
_PATCHERS = frozenset(
    {
        "unittest.mock.patch",
        "unittest.mock.patch.object",
        "mock.patch",
        "mock.patch.object",
    }
)
_MOCK_FIXTURE_NAMES = frozenset(
    {"requests_mock", "httpx_mock", "respx_mock", "aioresponses", "mocker", "responses"}
)


@dataclass(frozen=True)
class Collect:
    """pytest's `python_classes` / `python_functions` (prefixes or globs)."""

    classes: tuple[str, ...] = ("Test",)
    functions: tuple[str, ...] = ("test",)


def matches(name: str, patterns: Sequence[str]) -> bool:
    """pytest's `_matches_prefix_or_glob_option`."""
    for pattern in patterns:
        if name.startswith(pattern):
            return True
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatch(name, pattern):
            return True
    return False


@dataclass(frozen=True)
class Mark:
    name: str
    line: int
    strings: tuple[str, ...] = ()  # the string arguments (usefixtures names, parametrize)
    indirect: bool | tuple[str, ...] = False


@dataclass
class Scan:
    evidence: list[Evidence] = field(default_factory=list)
    refs: set[str] = field(default_factory=set)  # module-level names it loads
    self_refs: set[str] = field(default_factory=set)  # `self.x` / `cls.x`
    requests: list[tuple[str, int]] = field(default_factory=list)  # getfixturevalue("x")

    def extend(self, other: Scan) -> None:
        self.evidence.extend(other.evidence)
        self.refs |= other.refs
        self.self_refs |= other.self_refs
        self.requests.extend(other.requests)


@dataclass
class Fixture:
    name: str
    path: str
    line: int
    params: list[tuple[str, int]]
    autouse: bool
    scan: Scan
    owner: TestClass | None = None


@dataclass
class TestFunction:
    name: str
    line: int
    params: list[tuple[str, int]]  # the fixtures it requests by argument
    marks: list[Mark]
    scan: Scan


@dataclass
class TestClass:
    name: str
    line: int
    marks: list[Mark]
    scan: Scan  # bases, decorators and class-body statements
    setup: Scan  # setup/teardown methods: they run around every test
    methods: dict[str, Scan]
    fixtures: list[Fixture] = field(default_factory=list)
    tests: list[TestFunction] = field(default_factory=list)
    classes: list[TestClass] = field(default_factory=list)


@dataclass
class ModuleFacts:
    path: str
    imports: dict[str, str]
    symbols: dict[str, Scan]
    module_scan: Scan  # statements that run at import (outside functions and classes)
    marks: list[Mark]  # `pytestmark`
    mark_lines: list[int]
    fixtures: list[Fixture]
    tests: list[TestFunction]
    classes: list[TestClass]
    pytest_plugins: list[str]
    # name -> (module, level) for `from module import name` (fixtures can be imported)
    import_sources: dict[str, tuple[str, int]]
    star_imports: list[tuple[str, int]]


# --------------------------------------------------------------------------- resolution
class _Names:
    """Qualified names through the module's imports, and its string constants."""

    def __init__(self, imports: dict[str, str], constants: dict[str, str]) -> None:
        self.imports = imports
        self.constants = constants

    def qualname(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id)
        if base is None:
            return None
        parts.append(base)
        return ".".join(reversed(parts))

    def string(self, node: ast.AST | None) -> str | None:
        """The value of a string expression, best effort; unknown parts become `{}`."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if isinstance(node, ast.JoinedStr):
            out = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    out.append(value.value)
                elif isinstance(value, ast.FormattedValue):
                    inner = self.string(value.value)
                    out.append(inner if inner is not None else "{}")
            return "".join(out)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.string(node.left)
            if left is None:
                return None
            right = self.string(node.right)
            return left + (right if right is not None else "{}")
        return None


def _collect_imports(tree: ast.Module) -> tuple[dict[str, str], dict[str, tuple[str, int]]]:
    """Every import anywhere in the module (local imports included: names rarely clash)."""
    imports: dict[str, str] = {}
    sources: dict[str, tuple[str, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local, target = import_binding(alias)
                if alias.asname:
                    imports[local] = target
                else:
                    imports.setdefault(local, target)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                if node.level == 0 and module:
                    imports[local] = f"{module}.{alias.name}"
                sources[local] = (module, node.level)
    return imports, sources


def _constants(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            if isinstance(value.value, str):
                out[target.id] = value.value
    return out


# --------------------------------------------------------------------------- scanning
class _Scanner:
    """Walks code (iteratively: the parser allows deep trees) and records evidence."""

    def __init__(self, names: _Names, path: str) -> None:
        self.names = names
        self.path = path

    def scan(self, nodes: Iterable[ast.AST]) -> Scan:
        out = Scan()
        seen: set[str] = set()

        def add(category: Category, kind: Kind, reason: str, node: ast.AST) -> None:
            if reason in seen:
                return
            seen.add(reason)
            line = getattr(node, "lineno", 0)
            out.evidence.append(Evidence(category, kind, reason, self.path, line))

        stack = list(reversed(list(nodes)))
        while stack:
            node = stack.pop()
            children = self._visit(node, out, add)
            if children is None:
                children = list(ast.iter_child_nodes(node))
            stack.extend(reversed(children))
        # `uvicorn.Server(...)` says more than `uvicorn.Config` next to it: keep the call.
        strong = {
            found[2]
            for e in out.evidence
            if e.kind is Kind.STRONG
            and e.reason.startswith("calls ")
            and (found := cat.library(e.reason.split()[1])) is not None
        }
        out.evidence = [e for e in out.evidence if not (e.kind is Kind.WEAK and e.reason in strong)]
        return out

    def _visit(self, node: ast.AST, out: Scan, add: _Add) -> list[ast.AST] | None:
        """Record what `node` shows; return the children still to walk (None: all)."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return []
        if isinstance(node, ast.Call):
            return self._call(node, out, add)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                out.self_refs.add(node.attr)
                return []
            qualname = self.names.qualname(node)
            if qualname is None:
                return None
            self._reference(qualname, node, add)
            return []
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                out.refs.add(node.id)
                qualname = self.names.imports.get(node.id)
                if qualname is not None:
                    self._reference(qualname, node, add)
            return []
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if self.names.qualname(node.value) == cat.ENVIRON:
                self._env(self.names.string(node.slice), node, add)
                return [node.slice]
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._data_path(node, add)
        if isinstance(node, ast.keyword) and node.arg in cat.EAGER_SETTINGS:
            if isinstance(node.value, ast.Constant) and node.value.value is True:
                add(
                    Category.UNIT,
                    Kind.INFO,
                    "tasks run eagerly, in-process (no broker)",
                    node.value,
                )
            return None
        if isinstance(node, ast.Compare) and len(node.comparators) == 1:
            if isinstance(node.ops[0], (ast.In, ast.NotIn)):
                if self.names.qualname(node.comparators[0]) == cat.ENVIRON:
                    self._env(self.names.string(node.left), node, add)
            return None
        return None

    def _data_path(self, node: ast.BinOp, add: _Add) -> list[ast.AST]:
        """`Path(__file__).parent / "fixtures" / ...`: data files next to the tests.
        Returns the operands (the nested `/` are handled here, once)."""
        operands: list[ast.AST] = []
        todo: list[ast.AST] = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Div):
                todo.extend([current.right, current.left])
            else:
                operands.append(current)
        words = [self.names.string(o) or "" for o in operands]
        near_file = any(
            isinstance(sub, ast.Name) and sub.id == "__file__"
            for operand in operands
            for sub in ast.walk(operand)
        )
        if near_file and any(w.strip("/") in cat.FIXTURE_DIRS for w in words):
            shown = "/".join(w.strip("/") for w in words if w)
            add(Category.UNIT, Kind.INFO, f"reads fixture files ({shown}/)", node)
        return operands

    def _reference(self, qualname: str, node: ast.AST, add: _Add) -> None:
        found = cat.library(qualname)
        if found is not None:
            add(*found, node)

    def _env(self, name: str | None, node: ast.AST, add: _Add) -> None:
        if not name:
            return
        if cat.CREDENTIAL_ENV.search(name):
            add(Category.INTEGRATION, Kind.STRONG, f"reads {name} from the environment", node)
        elif cat.SERVICE_ENV.match(name):
            add(
                Category.INTEGRATION,
                Kind.STRONG,
                f"reads the service address {name} from the environment",
                node,
            )

    def _call(self, node: ast.Call, out: Scan, add: _Add) -> list[ast.AST] | None:
        func = node.func
        qualname = self.names.qualname(func)
        args: list[ast.AST] = [*node.args, *(k.value for k in node.keywords)]
        first = node.args[0] if node.args else _keyword(node, "url")
        if qualname is not None:
            if qualname in cat.CALLS:
                add(*_strong(cat.CALLS[qualname]), node)
                return args
            if qualname.startswith("testcontainers."):
                name = qualname.rsplit(".", 1)[-1]
                add(Category.INTEGRATION, Kind.STRONG, f"starts a test container ({name})", node)
                return args
            if qualname.startswith("selenium.webdriver.") or qualname.startswith(
                ("playwright.sync_api.", "playwright.async_api.")
            ):
                add(Category.E2E, Kind.STRONG, f"drives a browser ({qualname})", node)
                return args
            if qualname in cat.ENGINE_CALLS:
                self._engine(qualname, first, node, add)
                return args
            if qualname in cat.SQLITE_CALLS:
                memory = self.names.string(first) == ":memory:"
                what = "in-memory SQLite" if memory else "SQLite (in-process database)"
                add(Category.UNIT, Kind.INFO, f"{what} ({qualname})", node)
                return args
            if qualname in cat.SUBPROCESS_CALLS:
                self._subprocess(node, add)
                return None
            if qualname in ("os.getenv", "os.environ.get"):
                self._env(self.names.string(first or _keyword(node, "key")), node, add)
                return args
            if qualname == "pytest.importorskip" and first is not None:
                module = self.names.string(first)
                found = cat.library(module) if module else None
                if found is not None:
                    add(*found, node)
                return args
            if qualname in cat.HTTP_CLIENTS:
                if _keyword(node, "transport") is None and _keyword(node, "app") is None:
                    self._local_request(self.names.string(_keyword(node, "base_url")), node, add)
                return None
        if isinstance(func, ast.Attribute):
            if func.attr == "getfixturevalue" and first is not None:
                requested = self.names.string(first)
                if requested:
                    out.requests.append((requested, node.lineno))
            elif func.attr in ("read_text", "read_bytes") and not node.args:
                add(Category.UNIT, Kind.INFO, "reads fixture files", node)
            elif func.attr == "test_client":
                add(Category.UNIT, Kind.INFO, "in-process app client, no server", node)
            elif func.attr in cat.REQUEST_METHODS and not self._mocking(func.value, qualname):
                self._local_request(self.names.string(first), node, add)
        elif isinstance(func, ast.Name) and func.id == "open" and func.id not in self.names.imports:
            add(Category.UNIT, Kind.INFO, "reads fixture files", node)
        return None

    def _mocking(self, receiver: ast.AST, qualname: str | None) -> bool:
        """`respx.get(url)`, `requests_mock.get(url)`: registering a fake, not a request."""
        if qualname is not None:
            found = cat.library(qualname)
            if found is not None and found[1] in (Kind.MOCK, Kind.HTTP_MOCK):
                return True
        base = receiver
        while isinstance(base, (ast.Attribute, ast.Call)):
            base = base.value if isinstance(base, ast.Attribute) else base.func
        return isinstance(base, ast.Name) and base.id in _MOCK_FIXTURE_NAMES

    def _local_request(self, url: str | None, node: ast.AST, add: _Add) -> None:
        if url and cat.LOCAL_SERVER.match(url):
            shown = url.split("?")[0]
            add(Category.E2E, Kind.WEAK_HTTP, f"requests a local server ({shown})", node)

    def _engine(self, qualname: str, first: ast.AST | None, node: ast.Call, add: _Add) -> None:
        name = qualname.rsplit(".", 1)[-1]
        env = _env_name(self.names, first) if first is not None else None
        if env is not None:
            add(Category.INTEGRATION, Kind.STRONG, f"{name} on a URL from ${env}", node)
            return
        url = self.names.string(first)
        if url is None:
            return
        match = cat.URL.match(url)
        scheme = match["scheme"].split("+")[0].lower() if match else ""
        if scheme == "sqlite":
            add(Category.UNIT, Kind.INFO, f"SQLite database ({name} on {url})", node)
        elif scheme in cat.SERVICE_SCHEMES:
            what = cat.SERVICE_SCHEMES[scheme]
            add(Category.INTEGRATION, Kind.STRONG, f"{name} on a {what} URL ({scheme}://)", node)

    def _subprocess(self, node: ast.Call, add: _Add) -> None:
        words: set[str] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                words.update(w.rsplit("/", 1)[-1] for w in sub.value.split())
        server = sorted(words & cat.SERVER_PROGRAMS)
        if server:
            add(Category.E2E, Kind.STRONG, f"starts a server process ({server[0]})", node)
        container = sorted(words & cat.CONTAINER_PROGRAMS)
        if container:
            add(Category.INTEGRATION, Kind.STRONG, f"runs {container[0]} in a subprocess", node)


def _strong(entry: tuple[Category, str]) -> tuple[Category, Kind, str]:
    return entry[0], Kind.STRONG, entry[1]


def _keyword(node: ast.Call, name: str) -> ast.AST | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _env_name(names: _Names, node: ast.AST) -> str | None:
    """The variable in `os.environ["X"]` / `os.getenv("X")` anywhere inside `node`."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and names.qualname(sub.value) == cat.ENVIRON:
            return names.string(sub.slice) or "?"
        if isinstance(sub, ast.Call) and names.qualname(sub.func) in (
            "os.getenv",
            "os.environ.get",
        ):
            return names.string(sub.args[0]) if sub.args else "?"
    return None


# --------------------------------------------------------------------------- marks
def marks_of(expr: ast.expr, names: _Names, aliases: dict[str, Mark]) -> list[Mark]:
    """The marks an expression applies: `pytest.mark.x`, `pytest.mark.x(...)`, a list or
    tuple of those, or a module-level name bound to a mark."""
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [m for element in expr.elts for m in marks_of(element, names, aliases)]
    call = expr if isinstance(expr, ast.Call) else None
    target = call.func if call is not None else expr
    if isinstance(target, ast.Name) and target.id in aliases and target.id not in names.imports:
        mark = aliases[target.id]
        return [Mark(mark.name, expr.lineno, mark.strings, mark.indirect)]
    qualname = names.qualname(target)
    if qualname is None or not qualname.startswith("pytest.mark."):
        return []
    name = qualname[len("pytest.mark.") :].split(".")[0]
    strings: list[str] = []
    indirect: bool | tuple[str, ...] = False
    if call is not None:
        for arg in call.args:
            if isinstance(arg, (ast.List, ast.Tuple)):
                strings.extend(s for e in arg.elts if (s := names.string(e)) is not None)
            else:
                value = names.string(arg)
                if value is not None:
                    strings.append(value)
            if name == "parametrize":
                break  # only the argnames
        flag = _keyword(call, "indirect")
        if isinstance(flag, ast.Constant):
            indirect = bool(flag.value)
        elif isinstance(flag, (ast.List, ast.Tuple)):
            indirect = tuple(s for e in flag.elts if (s := names.string(e)) is not None)
    return [Mark(name, expr.lineno, tuple(strings), indirect)]


def _mark_aliases(tree: ast.Module, names: _Names) -> dict[str, Mark]:
    """`integration = pytest.mark.integration` at module level, then `@integration`."""
    out: dict[str, Mark] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id != "pytestmark":
                found = marks_of(node.value, names, {})
                if len(found) == 1 and not isinstance(node.value, (ast.List, ast.Tuple)):
                    out[target.id] = found[0]
    return out


def parametrized(marks: Iterable[Mark]) -> set[str]:
    """Argument names that `parametrize` fills (so they are not fixtures)."""
    out: set[str] = set()
    for mark in marks:
        if mark.name != "parametrize" or mark.indirect is True:
            continue
        names = [n.strip() for s in mark.strings for n in s.split(",") if n.strip()]
        indirect = set(mark.indirect) if isinstance(mark.indirect, tuple) else set()
        out.update(n for n in names if n not in indirect)
    return out


# --------------------------------------------------------------------------- the module
class _Builder:
    def __init__(self, tree: ast.Module, path: str, collect: Collect, tests: bool) -> None:
        self.tree = tree
        self.path = path
        self.collect = collect
        self.want_tests = tests
        imports, self.sources = _collect_imports(tree)
        self.names = _Names(imports, _constants(tree))
        self.scanner = _Scanner(self.names, path)
        self.aliases = _mark_aliases(tree, self.names)

    def fixture_info(self, node: ast.AST) -> tuple[str, bool] | None:
        """(name, autouse) when `node` is a fixture function."""
        if not isinstance(node, _FUNCTIONS):
            return None
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            qualname = self.names.qualname(call.func if call else decorator)
            if qualname not in _FIXTURE_DECORATORS:
                continue
            name, autouse = node.name, False
            if call is not None:
                given = self.names.string(_keyword(call, "name"))
                name = given or name
                flag = _keyword(call, "autouse")
                autouse = isinstance(flag, ast.Constant) and flag.value is True
            return name, autouse
        return None

    def function_scan(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Scan:
        extra: list[ast.AST] = [*node.decorator_list, *node.args.defaults]
        extra.extend(d for d in node.args.kw_defaults if d is not None)
        scan = self.scanner.scan([*extra, *node.body])
        scan.refs -= _local_names(node)
        return scan

    def params(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool, marks: list[Mark]
    ) -> list[tuple[str, int]]:
        """The fixtures a function requests: pytest's `getfuncargnames`."""
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        n_defaults = len(args.defaults)
        required = positional[: len(positional) - n_defaults] if n_defaults else positional
        if method and not any(self._is(d, "staticmethod") for d in node.decorator_list):
            required = required[1:]
        required = required[self._mock_patches(node) :]
        kwonly = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
        skip = parametrized(marks)
        return [(a.arg, a.lineno) for a in [*required, *kwonly] if a.arg not in skip]

    def _is(self, decorator: ast.AST, name: str) -> bool:
        return isinstance(decorator, ast.Name) and decorator.id == name

    def _mock_patches(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
        """`@mock.patch("x")` without `new` passes one positional argument each."""
        count = 0
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call):
                continue
            qualname = self.names.qualname(decorator.func)
            if qualname not in _PATCHERS:
                continue
            new_at = 2 if qualname.endswith(".object") else 1
            if len(decorator.args) <= new_at and _keyword(decorator, "new") is None:
                count += 1
        return count

    def decorator_marks(self, decorators: Iterable[ast.expr]) -> list[Mark]:
        return [m for d in decorators for m in marks_of(d, self.names, self.aliases)]

    def build(self) -> ModuleFacts:
        symbols: dict[str, Scan] = {}
        module_nodes: list[ast.AST] = []
        fixtures: list[Fixture] = []
        tests: list[TestFunction] = []
        classes: list[TestClass] = []
        marks: list[Mark] = []
        mark_lines: list[int] = []
        plugins: list[str] = []
        stars: list[tuple[str, int]] = []
        for node in self.tree.body:
            if isinstance(node, _FUNCTIONS):
                info = self.fixture_info(node)
                scan = self.function_scan(node)
                symbols[node.name] = scan
                if info is not None:
                    fixtures.append(self.fixture(node, info, scan, None))
                elif self.want_tests and matches(node.name, self.collect.functions):
                    node_marks = self.decorator_marks(node.decorator_list)
                    params = self.params(node, False, node_marks)
                    tests.append(TestFunction(node.name, node.lineno, params, node_marks, scan))
                module_nodes.extend(node.decorator_list)
            elif isinstance(node, ast.ClassDef):
                test_class = self.test_class(node) if self.want_tests else None
                if test_class is not None:
                    classes.append(test_class)
                else:
                    fixtures.extend(self.class_fixtures(node, None))
                symbols[node.name] = self.scanner.scan([node])
                module_nodes.extend([*node.decorator_list, *node.bases, *node.keywords])
            else:
                module_nodes.append(node)
                if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                    stars.append((node.module or "", node.level))
                for name, value in _assignments(node):
                    symbols[name] = self.scanner.scan([value])
                    if name == "pytestmark":
                        marks = marks_of(value, self.names, self.aliases)
                        mark_lines.append(node.lineno)
                    elif name == "pytest_plugins":
                        plugins.extend(_strings(value, self.names))
        return ModuleFacts(
            path=self.path,
            imports=self.names.imports,
            symbols=symbols,
            module_scan=self.scanner.scan(module_nodes),
            marks=marks,
            mark_lines=mark_lines,
            fixtures=fixtures,
            tests=tests,
            classes=classes,
            pytest_plugins=plugins,
            import_sources=self.sources,
            star_imports=stars,
        )

    def fixture(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        info: tuple[str, bool],
        scan: Scan,
        owner: TestClass | None,
    ) -> Fixture:
        params = self.params(node, owner is not None, [])
        return Fixture(info[0], self.path, node.lineno, params, info[1], scan, owner)

    def class_fixtures(self, node: ast.ClassDef, owner: TestClass | None) -> list[Fixture]:
        out = []
        for child in node.body:
            info = self.fixture_info(child)
            if info is not None and isinstance(child, _FUNCTIONS):
                out.append(self.fixture(child, info, self.function_scan(child), owner))
        return out

    def is_test_class(self, node: ast.ClassDef) -> bool:
        if matches(node.name, self.collect.classes):
            return True
        return any(self._unittest_base(base) for base in node.bases)

    def _unittest_base(self, base: ast.AST) -> bool:
        name = self.names.qualname(base)
        if name is None and isinstance(base, ast.Name):
            name = base.id
        if name is None and isinstance(base, ast.Attribute):
            name = base.attr
        return bool(name) and str(name).rsplit(".", 1)[-1].endswith("TestCase")

    def test_class(self, node: ast.ClassDef) -> TestClass | None:
        if not self.is_test_class(node):
            return None
        class_nodes: list[ast.AST] = [*node.decorator_list, *node.bases, *node.keywords]
        marks = self.decorator_marks(node.decorator_list)
        methods: dict[str, Scan] = {}
        setup = Scan()
        result = TestClass(node.name, node.lineno, marks, Scan(), setup, methods)
        unittest_style = any(self._unittest_base(base) for base in node.bases)
        for base in node.bases:
            name = self.names.qualname(base) or (base.id if isinstance(base, ast.Name) else "")
            short = name.rsplit(".", 1)[-1]
            if short in cat.LIVE_SERVER_BASES:
                reason = f"runs a live server around each test ({short})"
                result.scan.evidence.append(
                    Evidence(Category.E2E, Kind.STRONG, reason, self.path, node.lineno)
                )
        for child in node.body:
            if isinstance(child, _FUNCTIONS):
                scan = self.function_scan(child)
                methods[child.name] = scan
                info = self.fixture_info(child)
                if info is not None:
                    result.fixtures.append(self.fixture(child, info, scan, result))
                elif child.name in _SETUP_METHODS:
                    setup.extend(scan)
                elif matches(child.name, ("test",) if unittest_style else self.collect.functions):
                    child_marks = self.decorator_marks(child.decorator_list)
                    params = [] if unittest_style else self.params(child, True, child_marks)
                    result.tests.append(
                        TestFunction(child.name, child.lineno, params, child_marks, scan)
                    )
            elif isinstance(child, ast.ClassDef):
                inner = self.test_class(child)
                if inner is not None:
                    result.classes.append(inner)
            else:
                class_nodes.append(child)
                for name, value in _assignments(child):
                    if name == "pytestmark":
                        result.marks.extend(marks_of(value, self.names, self.aliases))
        result.scan.extend(self.scanner.scan(class_nodes))
        return result


def _local_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters and names the function binds: a parameter called like a module-level
    helper is not a use of that helper."""
    args = node.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)
    return names


def _assignments(node: ast.AST) -> list[tuple[str, ast.expr]]:
    if isinstance(node, ast.Assign):
        return [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        if isinstance(node.target, ast.Name):
            return [(node.target.id, node.value)]
    return []


def _strings(node: ast.AST, names: _Names) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [s for e in node.elts if (s := names.string(e))]
    value = names.string(node)
    return [value] if value else []


def module_facts(
    tree: ast.Module, path: str, collect: Collect = Collect(), *, tests: bool = True
) -> ModuleFacts:
    """Facts about one module; `tests=False` for conftest.py and fixture modules."""
    return _Builder(tree, path, collect, tests).build()
