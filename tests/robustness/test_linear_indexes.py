"""The indexes that keep the analysis linear (issue 15, item 9) answer exactly what the
searches they replaced answered: each is checked against that search, written out here
as it was, on generated input and on the repository's own cases. The timings themselves
live in bench/scale.py."""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import hypothesmith
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cases import CASE_ROOTS, case_name, copy_case

import loopsafe.facts.callers as callers_module
import loopsafe.facts.extract as extract_module
from loopsafe import pipeline
from loopsafe.analysis import Analysis, Project
from loopsafe.engine import analyse_project
from loopsafe.facts import loop_entries, roles, surface
from loopsafe.facts.callers import CallerIndex
from loopsafe.facts.callgraph import ProjectRoles
from loopsafe.facts.loop_entries import Made
from loopsafe.facts.model import Call, FileFacts, Function, Site, SiteKind, own_dict
from loopsafe.facts.nodes import source_lines
from loopsafe.facts.project import ProjectIndex
from loopsafe.parse.source import SourceError, decode_source, parse_source
from loopsafe.pipeline import _FEW_BODIES, _SEARCHES, _Bodies, _pieces
from loopsafe.prefilter import identifiers, mentions_word
from loopsafe.rules import async_chain
from loopsafe.rules.catalogue import ls403_event_loop_policy as ls403
from loopsafe.rules.catalogue import ls404_child_watcher as ls404
from loopsafe.rules.context import site_context

REPO = Path(__file__).resolve().parents[2]
# Every rule case (the directories are multi-module projects) and the example project.
PROJECTS = [*CASE_ROOTS, REPO / "examples" / "newsroom"]

_TEXT = st.text(alphabet="ab_19 .()\n", max_size=40)
_WORD = st.text(alphabet="ab_19", min_size=1, max_size=5)


@given(chunk=_TEXT, word=_WORD)
@settings(max_examples=400, deadline=None)
def test_every_word_mentions_word_finds_is_a_piece(chunk: str, word: str) -> None:
    data = chunk.encode()
    pieces = _pieces(data)  # None: too many digits, the body is always searched
    if mentions_word(data, word.encode()):
        assert pieces is None or word.encode() in pieces


def test_pieces_cover_digit_boundaries() -> None:
    # mentions_word treats a digit as a boundary: `get` is found in `get3` and `3get`.
    assert mentions_word(b"x = get3()", b"get")
    assert b"get" in (_pieces(b"x = get3()") or set())
    assert mentions_word(b"y = 3get", b"get")
    assert b"get" in (_pieces(b"y = 3get") or set())
    assert not mentions_word(b"getter()", b"get")
    assert b"get" not in (_pieces(b"getter()") or set())
    assert _pieces(b"n = 1234567890123") is None  # too many digits: always searched


def _bodies(texts: list[str]) -> tuple[_Bodies, list[Function]]:
    lines: list[str] = []
    funcs: list[Function] = []
    for i, text in enumerate(texts):
        start = len(lines) + 1
        lines.extend([f"def f{i}():", *(f"    {line}" for line in text.split("\n"))])
        funcs.append(Function(f"f{i}", False, start, deferred_start=start, deferred_end=len(lines)))
    return _Bodies({}, "m", funcs, lines), funcs


@given(
    texts=st.lists(_TEXT, min_size=_FEW_BODIES + 1, max_size=_FEW_BODIES + 8),
    words=st.lists(st.one_of(_WORD, st.just("ﬁ"), st.just("é1")), min_size=1, max_size=12),
    non_ascii=st.booleans(),
    read=st.sets(st.integers(0, _FEW_BODIES + 8)),
)
@settings(max_examples=300, deadline=None)
def test_candidates_filtered_equal_every_body_filtered(
    texts: list[str], words: list[str], non_ascii: bool, read: set[int]
) -> None:
    """A request of a few words or of many (a layer of the caller walk), ASCII or not."""
    if non_ascii:
        texts = [*texts[:-1], texts[-1] + " # ﬁle"]  # matched in NFKC form: always a candidate
    bodies, funcs = _bodies(texts)
    wanted = [w.encode() for w in words]

    def matching(entries: list[tuple[Function, bytes, list[bytes]]]) -> list[str]:
        """The bodies that mention one of the words each candidate was given."""
        return [
            f.qualname
            for f, chunk, words in entries
            if f.deferred_start and any(mentions_word(chunk, w) for w in words)
        ]

    every = [(f, chunk, wanted) for f, chunk in bodies.entries]
    for _ in range(_SEARCHES + 1):  # searched at first, then indexed
        assert matching(bodies.candidates(wanted)) == matching(every)
    assert bodies.index is not None
    for i in read:  # bodies read since (by an earlier request) are no candidates any more
        if i < len(funcs):
            funcs[i].deferred_start = 0
    assert matching(bodies.candidates(wanted)) == matching(every)
    assert all(f.deferred_start for f, _, _ in bodies.candidates(wanted))


def test_many_words_ask_a_big_module_in_linear_time() -> None:
    """One request with a word per body of a big module (a layer of the caller walk):
    each body is given the words it may mention, not every word (counted, not timed)."""
    bodies, _ = _bodies([f"return g{i}x(y) + 1" for i in range(2_000)])
    words = [f"g{i}x".encode() for i in range(2_000)]
    given_words = sum(len(mentioned) for _, _, mentioned in bodies.candidates(words))
    assert bodies.index is not None
    assert given_words == 2_000  # body i holds g{i}x only


# ------------------------------------------------------------------ the async-chain tables
def _callers_by_search(project: Project, key: str) -> list[tuple[str, int, int]] | None:
    """`async_chain._callers` as it was: every call of the project resolved per key."""
    index = project.index
    out: list[tuple[str, int, int]] = []
    for caller_key, ref in index.functions.items():
        func = ref.func
        for call in (*func.thread_targets, *func.loop_callbacks, *func.worker_targets):
            if key in index.resolve_call(call):
                return None
        for call in func.calls:
            if key in index.resolve_call(call):
                if call.is_value:
                    return None
                out.append((caller_key, call.line, call.col))
    for facts in index.modules.values():
        for call in (*facts.module_calls, *facts.main_calls):
            if key in index.resolve_call(call):
                return None
    return out


def _attribute_lines_by_search(text: str, name: str) -> list[int]:
    if not re.search(rf"\.\s*{re.escape(name)}\b", text):
        return []
    lines: list[int] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.string == name and previous == ".":
                lines.append(token.start[0])
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = token.string
    except (tokenize.TokenError, SyntaxError):
        return [
            text.count("\n", 0, m.start()) + 1
            for m in re.finditer(rf"\.\s*{re.escape(name)}\b", text)
        ]
    return lines


def _unresolved_by_search(project: Project, key: str, callers: list[tuple[str, int, int]]) -> str:
    index = project.index
    func = index.functions[key].func
    if not func.class_name:
        return ""
    name = func.qualname.rpartition(".")[2]
    known = Counter((index.paths[index.functions[c].module], line) for c, line, _ in callers)
    for path in sorted(project.abspaths):
        counts = Counter(_attribute_lines_by_search(project.text(path), name))
        for line, count in sorted(counts.items()):
            if count > known[path, line]:
                return f"{path}:{line}"
    return ""


def _analysis(root: Path, tmp_path: Path) -> Analysis:
    target = copy_case(root, tmp_path)
    return analyse_project([target], cwd=tmp_path, use_cache=False)


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_indexes_answer_as_the_searches_did(root: Path, tmp_path: Path) -> None:
    project = _analysis(root, tmp_path).project
    for key in project.index.functions:
        expected = _callers_by_search(project, key)
        assert async_chain._callers(project, key) == expected, key
        if expected is not None:
            found = async_chain._unresolved_method_use(project, key, expected)
            assert found == _unresolved_by_search(project, key, expected), key
        label = project.index.functions[key].label
        why = async_chain._why_no_callers(project, key, label)
        assert why == _why_no_callers_by_search(project, key, label), key
    _check_scope_sites(project)
    _check_walks(project)
    _check_site_pairs(project)
    _check_lambdas(project)


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_identifier_index_reads_the_bodies_the_scans_did(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_expander` finds the modules mentioning a name by scanning each module's
    identifiers, then by an index of them all: either way, the same bodies are read and
    the findings are the same."""
    target = copy_case(root, tmp_path)
    runs = []
    for scan in (True, False):
        monkeypatch.setattr(pipeline, "_scan_more", lambda *_, scan=scan: scan)
        analysis = analyse_project([target], cwd=tmp_path, use_cache=False)
        read = {
            key
            for key, ref in analysis.project.index.functions.items()
            if not ref.func.deferred_start
        }
        findings = [(f.path, f.line, f.col, f.code, f.message) for f in analysis.result.findings]
        runs.append((read, findings))
    assert runs[0] == runs[1]


def test_scans_give_way_to_the_index_once_they_cost_as_much() -> None:
    assert pipeline._scan_more(0, 50_000, 1_000_000)
    assert pipeline._scan_more(19, 50_000, 1_000_000)
    assert not pipeline._scan_more(20, 50_000, 1_000_000)
    assert not pipeline._scan_more(pipeline._SCAN_NAMES, 1, 10**9)


def test_chain_table_follows_functions_read_later(tmp_path: Path) -> None:
    """A function added to the index after the table was built (a deferred body read
    late) is in the next answer, not the stale one."""
    project = _analysis(REPO / "examples" / "newsroom", tmp_path).project
    index = project.index
    called = [(k, c) for k in index.functions if (c := async_chain._callers(project, k))]
    assert called, "the example has functions with callers"
    key, callers = called[0]
    caller_key = callers[0][0]
    call = next(c for c in index.functions[caller_key].func.calls if key in index.resolve_call(c))
    module = index.functions[caller_key].module
    index.add_function(module, Function("late_caller", False, 9999, calls=[call]))
    after = async_chain._callers(project, key)
    assert after == _callers_by_search(project, key)
    assert after is not None and (f"{module}.late_caller", call.line, call.col) in after


def _check_scope_sites(project: Project) -> None:
    for facts in project.index.modules.values():
        scopes = {s.scope for s in facts.sites} | {"", "no such scope"}
        for scope in scopes:
            expected = [s for s in facts.sites if s.scope == scope]
            assert project.scope_sites(facts, scope) == expected
        if facts.sites:  # the list grows (sites found late): the grouping follows it
            facts.sites.append(facts.sites[0])
            scope = facts.sites[0].scope
            assert project.scope_sites(facts, scope) == [s for s in facts.sites if s.scope == scope]


# ------------------------------------------------------------------ the caller walk
class _SearchingCallers(CallerIndex):
    """`CallerIndex` with `_walk_callers` as it was: every call under the name resolved
    for each function asked about."""

    def _walk_callers(
        self, todo: list[str], found: set[str], overrides: bool, parents: bool, read: bool
    ) -> None:
        index = self.index
        while todo:
            key = todo.pop()
            if key in found:
                continue
            found.add(key)
            for caller, call in self.callers_of(key, read):
                if call.stored:
                    continue
                if caller not in found and key in index.resolve_call(call, overrides):
                    todo.append(caller)
            ref = index.functions[key]
            if parents and ref.func.parent:
                todo.append(f"{ref.module}.{ref.func.parent}")


def _walks(callers: CallerIndex) -> list[set[str]]:
    return [
        callers.leading_to_sites(overrides, parents, untraced)
        for overrides in (True, False)
        for parents in (True, False)
        for untraced in (True, False)
    ]


def _check_walks(project: Project) -> None:
    def made(kind: type[CallerIndex]) -> CallerIndex:
        callers = kind(project.index)
        callers.test_modules = set(project.roles.test_modules)
        return callers

    assert _walks(made(CallerIndex)) == _walks(made(_SearchingCallers))
    callers = made(CallerIndex)
    for key in project.index.functions:  # callgraph's `_seed_escapes`, as it searched
        expected = [
            (caller, call)
            for caller, call in callers.callers_of(key)
            if call.stored and key in project.index.resolve_call(call)
        ]
        assert callers.stored_callers_of(key) == expected, key


def test_caller_walk_follows_functions_read_later(tmp_path: Path) -> None:
    """A call that resolved to nothing resolves once its target is read (the index's
    generation moves on): the walk's table follows, as the search did."""
    project = _analysis(REPO / "examples" / "newsroom", tmp_path).project
    index = project.index
    module = next(iter(index.modules))
    callers = CallerIndex(index)
    caller = Function("late_caller", False, 9998, calls=[Call(f"{module}.late_target", 9998)])
    index.add_function(module, caller)
    callers._add(f"{module}.late_caller", caller)
    assert not callers._resolved("late_target", True, False).get(f"{module}.late_target")
    target = Function("late_target", False, 9999)
    index.add_function(module, target)
    found: set[str] = set()
    callers._walk_callers([f"{module}.late_target"], found, True, True, False)
    assert f"{module}.late_caller" in found
    old: set[str] = set()
    _SearchingCallers(index)._walk_callers([f"{module}.late_target"], old, True, True, False)
    assert found == old


def _why_no_callers_by_search(project: Project, key: str, label: str) -> str:
    """`async_chain._why_no_callers` as it was: every function searched per chain."""
    index = project.index
    for ref in index.functions.values():
        if any(key in index.resolve_call(c) for c in ref.func.loop_callbacks):
            return (
                f"{label} is a loop callback ({ref.label} hands it to the loop): the loop "
                "calls it, inside the running loop, and cannot await it; schedule the "
                "coroutine instead (`asyncio.ensure_future(...)`)"
            )
    for facts in index.modules.values():
        if any(key in index.resolve_call(c) for c in facts.module_loop_callbacks):
            return f"{label} is a loop callback: the loop calls it and cannot await it"
    return f"{label} is passed around as a value; its users cannot be found for certain"


# ------------------------------------------------------------------ calls inside lambdas
class _Texts:
    """The two things `async_chain._in_lambda` reads of a `Project`."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.memo: dict[tuple[str, str], object] = {}

    def text(self, path: str) -> str:
        return self.texts[path]


def _in_lambda_by_search(text: str, line: int, col: int) -> bool:
    """`async_chain._in_lambda` as it was: every lambda and generator expression of the
    file's tree, for every call."""
    return any(start <= (line, col) < end for start, end in async_chain._lambda_spans(text))


def _assert_lambdas_as_searched(text: str, positions: list[tuple[int, int]]) -> None:
    project: Any = _Texts({"m.py": text})
    for line, col in positions:
        found = async_chain._in_lambda(project, "m.py", line, col)
        assert found == _in_lambda_by_search(text, line, col), (line, col)


def _every_position(text: str) -> list[tuple[int, int]]:
    lines = text.split("\n")
    return [(i, col) for i, line in enumerate(lines, 1) for col in range(1, len(line) + 2)]


def _check_lambdas(project: Project) -> None:
    for ref in project.index.functions.values():
        path = project.index.paths[ref.module]
        text = project.text(path)
        for call in ref.func.calls:
            found = async_chain._in_lambda(project, path, call.line, call.col)
            assert found == _in_lambda_by_search(text, call.line, call.col), (path, call)


_LAMBDA_CODE = [
    "def f(x):\n    return g(x)\n",
    "y = (g(a) for a in b)\n",
    "z = lambda: g(1)\n",
    "w = [g(a) for a in b]\n",
    "v = f(g(a) for a in b)\n",
    "u = f'{(lambda: g(1))()}'\n",
    "t = f'{sum(g(a) for a in b)}' + g(2)\n",
    "s = (\n    g(a)\n    for a in b\n)\n",
    "r = f(1,\n      lambda q: g(q),\n      g(3))\n",
    "q = g(1); p = (g(a) for a in b)\n",
    "for a in b:\n    g(a)\n",
    "o = 'lambda for' + g(1)  # lambda: for\n",
    "n = g(x=lambda: 0)(\n    g(1))\n",
    "m = (a for a in b).send(g(1))\n",
    "class C:\n    def m(self):\n        return [h(a) for a in self.b] + [self.g(1)]\n",
    "k = g(1) \\\n    if (lambda: 0) else g(2)\n",
    "j = '''\nlambda: (x for x in y)\n''' + g(1)\n",
    "i = rf'''{\n(lambda: g(1))()}''' + g(2)\n",
    "if g(1): h = (g(a) for a in b)\n",
    "é = (g(a) for a in 'ü')  # ü\n",
    "c = 1\rd = (g(a) for a in b)\r\n",  # a lone CR breaks the line for the parser
]


@given(parts=st.lists(st.sampled_from(_LAMBDA_CODE), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_calls_in_lambdas_found_as_the_tree_did(parts: list[str]) -> None:
    """The statements the tokenizer clears hold no lambda or generator expression the
    tree has: at every position of every line, the answer is the tree's."""
    text = "".join(parts)
    _assert_lambdas_as_searched(text, _every_position(text))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # the code is random
@given(text=hypothesmith.from_grammar())
@settings(max_examples=100, deadline=None)
def test_calls_in_lambdas_found_as_the_tree_did_on_any_code(text: str) -> None:
    _assert_lambdas_as_searched(text, _every_position(text))


def test_untokenizable_text_falls_back_to_the_tree() -> None:
    text = "x = (lambda: g(1))\ny = '''unclosed\n"
    assert async_chain._scan_tokens(text) is None
    _assert_lambdas_as_searched(text, _every_position(text))


# ------------------------------------------------------------------ deferred bodies
_SOURCE_ROOTS = [REPO / "src" / "loopsafe", *PROJECTS]


def _expanded(text: str, module: str, qualnames: list[str] | None, together: bool) -> Any:
    tree = parse_source(text.encode(), module).tree
    facts = extract_module.extract(
        tree, text, module, defer=True, watched=("asyncio.iscoroutinefunction",)
    )
    waiting = [q for q, f in facts.functions.items() if f.deferred_start]
    asked = waiting if qualnames is None else [q for q in qualnames if q in waiting]
    if together:
        done = extract_module.expand_deferred(text, facts, [*asked, *asked[:1]])
    else:
        kept = extract_module._parse_bodies
        extract_module._parse_bodies = lambda lines, waiting: {}  # type: ignore[assignment]
        try:
            done = extract_module.expand_deferred(text, facts, [*asked, *asked[:1]])
        finally:
            extract_module._parse_bodies = kept  # type: ignore[assignment]
    return done, facts


@pytest.mark.parametrize("root", _SOURCE_ROOTS, ids=[case_name(r) for r in _SOURCE_ROOTS])
def test_bodies_parsed_together_read_as_each_alone(root: Path) -> None:
    """One parse of many deferred bodies gives each the facts its own parse did."""
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        text = decode_source(path.read_bytes())
        try:
            together = _expanded(text, "m", None, True)
        except SourceError:
            continue  # a case of a file loopsafe cannot read
        assert together == _expanded(text, "m", None, False), path


_BODY_CODE = [
    "def f{i}(x):\n    return g(x)\n",
    "class C{i}:\n    def m(self):\n        return self.g()\n    def n(self):\n        h()\n",
    "class D{i}:\n\n    def m(self):\n        return [k(a) for a in b]\n",
    "def e{i}():\n    x = (\n        1)\n    return x\n",
    "x{i} = 1\n",
    "async def a{i}():\n    await s()\n\n\n",
    "class E{i}:\n    class F:\n        def m(self):\n            t()\n    def n(self):\n        u()\n",
    "def p{i}[T](x: T) -> T:\n    return q(x)\n",  # newer syntax: read through the fallback
]


@given(
    parts=st.lists(st.sampled_from(_BODY_CODE), min_size=1, max_size=12),
    pick=st.lists(st.integers(0, 30), max_size=12),
)
@settings(max_examples=200, deadline=None)
def test_generated_bodies_parsed_together_read_as_each_alone(
    parts: list[str], pick: list[int]
) -> None:
    text = "".join(part.format(i=i) for i, part in enumerate(parts))
    facts = extract_module.extract(parse_source(text.encode(), "m").tree, text, "m", defer=True)
    waiting = [q for q, f in facts.functions.items() if f.deferred_start]
    asked = [waiting[i % len(waiting)] for i in pick] if waiting and pick else None
    assert _expanded(text, "m", asked, True) == _expanded(text, "m", asked, False)


# ------------------------------------------------------------------ LS403 / LS404 pairs
def _inside(inner: Site, outer: Site) -> bool:
    return (outer.line, outer.col) <= (inner.line, inner.col) and (
        inner.end_line,
        inner.end_col,
    ) <= (outer.end_line, outer.end_col)


def _pairs_by_search(sites: list[Site], site: Site) -> list[Site | None]:
    """What LS403 and LS404 found for `site` by scanning every site of its file."""

    def first(found: list[Site]) -> Site | None:
        return found[0] if found else None

    argument = site.args[0] if len(site.args) == 1 else None
    return [
        first(  # ls403._set_up_by
            [
                o
                for o in sites
                if o is not site
                and o.target in ls403._SET
                and o.called
                and o.args == [site.text]
                and _inside(site, o)
            ]
        ),
        first(  # ls403._created_on
            [
                o
                for o in sites
                if o.kind is SiteKind.CREATE and o.receiver == site.text and _inside(site, o)
            ]
        ),
        first(  # ls403._argument_site
            [
                o
                for o in sites
                if o.kind is SiteKind.CALL and o.text == argument and o.called and _inside(o, site)
            ]
        ),
        first(  # ls403._run_at
            [
                o
                for o in sites
                if o.kind is SiteKind.RUN
                and o.api in ls403._FACTORY_SINCE
                and o.called
                and (o.line, o.col) == (site.line, site.col)
            ]
        ),
        first(  # ls404._installed
            [
                o
                for o in sites
                if o is not site
                and o.kind is SiteKind.CALL
                and o.target.rpartition(".")[2] == "set_child_watcher"
                and o.called
                and o.args == [site.text]
                and _inside(site, o)
            ]
        ),
        first(  # ls404._constructed
            [
                o
                for o in sites
                if o is not site
                and o.kind is SiteKind.CALL
                and o.target.rpartition(".")[2] in ls404._CLASSES
                and o.called
                and [o.text] == site.args
                and _inside(o, site)
            ]
        ),
    ]


def _pairs(project: Project, module: str, site: Site) -> list[Site | None]:
    facts = project.index.modules[module]
    ctx = site_context(project, module, facts, site)
    argument = site.args[0] if len(site.args) == 1 else None
    return [
        ls403._set_up_by(ctx),
        ls403._created_on(ctx),
        ls403._argument_site(ctx, argument) if argument is not None else None,
        ls403._run_at(ctx, site.line, site.col),
        ls404._installed(ctx),
        ls404._constructed(ctx),
    ]


def _check_site_pairs(project: Project) -> None:
    for module, facts in project.index.modules.items():
        for site in facts.sites:
            assert _pairs(project, module, site) == _pairs_by_search(facts.sites, site), site
        if facts.sites:  # the list grows (sites found late): the groupings follow it
            site = facts.sites[0]
            facts.sites.append(site)
            assert _pairs(project, module, site) == _pairs_by_search(facts.sites, site)


_PART = st.sampled_from(["a", "b", "tests", "test", "testing", "test_x.py", "conftest.py"])
_PATH = st.lists(_PART, min_size=1, max_size=5).map(lambda parts: "/".join(parts) + "/m.py")


def _in_tests_by_walk(relpath: str, test_dirs: set[str]) -> bool:
    """`test_path_predicate`'s answer as it was: every file walks up all its folders."""
    if roles.is_test_filename(relpath):
        return True
    directory = relpath.rpartition("/")[0]
    while directory:
        if directory in test_dirs or directory.rpartition("/")[2] in ("tests", "test", "testing"):
            return True
        directory = directory.rpartition("/")[0]
    return False


@given(
    layout=st.lists(st.one_of(_PATH, _PART.map(lambda p: p + "/conftest.py")), max_size=12),
    asked=st.lists(_PATH, min_size=1, max_size=12),
)
@settings(max_examples=300, deadline=None)
def test_in_tests_remembers_folders_as_the_walk_answered(
    layout: list[str], asked: list[str]
) -> None:
    in_tests = roles.test_path_predicate(layout)  # imported bare, pytest would collect it
    test_dirs = roles._test_dirs(layout)
    for relpath in [*asked, *layout, *asked]:  # asked twice: answered from the folder memo
        assert in_tests(relpath) == _in_tests_by_walk(relpath, test_dirs), relpath


# ---------------------------------------------------------------- the project's passes
# (issue 16): the memos of compute_roles and the lists ProjectIndex keeps for the passes
# over every module, each checked against the plain computation they replaced.
_DOTTED = st.lists(st.sampled_from(["a", "b", "", "examples", "docs"]), min_size=1, max_size=5)


def _packages_by_split(dotted: str, known: set[str]) -> list[str]:
    """The project modules among a name and its prefixes, as compute_roles listed them."""
    parts = dotted.split(".")
    names = [dotted, *(".".join(parts[:i]) for i in range(1, len(parts)))]
    return sorted(name for name in names if name in known)


@given(
    names=st.lists(_DOTTED.map(".".join), min_size=1, max_size=12),
    modules=st.sets(_DOTTED.map(".".join), max_size=12),
)
@settings(max_examples=300, deadline=None)
def test_packages_list_the_prefixes_splitting_listed(names: list[str], modules: set[str]) -> None:
    half = sorted(modules)[::2]  # some modules known by path only, some parsed only
    paths = {m: m.replace(".", "/") + ".py" for m in half}
    facts = {m: FileFacts(m) for m in modules if m not in paths}
    packages = roles._Packages(paths, facts)
    for dotted in [*names, *names]:  # asked twice: answered from what is listed
        assert sorted(packages.of(dotted)) == _packages_by_split(dotted, modules), dotted


class _CountingDict(dict[str, Any]):
    """A dict that counts the membership tests made of it."""

    asked = 0

    def __contains__(self, key: object) -> bool:
        self.asked += 1
        return super().__contains__(key)


def test_packages_check_each_prefix_once() -> None:
    """Names that share their packages check those once, not once per name."""
    names = [f"pkg.sub.deep.m{i}.f{i}" for i in range(2_000)]
    paths = _CountingDict({f"pkg.sub.deep.m{i}": f"pkg/sub/deep/m{i}.py" for i in range(2_000)})
    paths.update({"pkg": "pkg/__init__.py", "pkg.sub": "pkg/sub/__init__.py"})
    packages = roles._Packages(paths, {})
    for name in names:
        assert packages.of(name)[-2:] == ["pkg.sub", "pkg"]
    distinct = len(names) * 2 + 3  # every f_i and m_i, and pkg.sub.deep, pkg.sub, pkg
    assert paths.asked <= distinct


_PLACE = st.sampled_from(["a", "b", "examples", "docs", "scripts", "", "..", "x.py"])


@given(
    relpath=st.lists(_PLACE, min_size=1, max_size=5).map("/".join),
    module=st.lists(_PLACE, max_size=4).map(".".join),
)
@settings(max_examples=400, deadline=None)
def test_is_outside_answers_as_splitting_every_name_did(relpath: str, module: str) -> None:
    parts = module.split(".") if module else []
    if len(parts) > 1:
        expected = any(part in surface.OUTSIDE_DIRS for part in parts[:-1])
    else:
        expected = any(part in surface.OUTSIDE_DIRS for part in relpath.split("/")[:-1])
    assert surface.is_outside(relpath, module) == expected


_CONFIG = st.tuples(
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3).map("/".join),
    st.sampled_from(["pyproject.toml", "setup.cfg", "pytest.ini"]),
)


@given(
    configs=st.lists(_CONFIG, max_size=6),
    asked=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "..", ""]), max_size=4).map(
            lambda parts: "/".join([*parts, "m.py"])
        ),
        min_size=1,
        max_size=10,
    ),
)
@settings(max_examples=300, deadline=None)
def test_nearest_configuration_remembered_per_folder_as_the_walk_answered(
    configs: list[tuple[str, str]], asked: list[str]
) -> None:
    texts = {
        "pyproject.toml": "[project]\nname = 'x'\n[tool.pytest.ini_options]\npython_files = ['t_*.py']\n",
        "setup.cfg": "[tool:pytest]\npython_files = check_*.py\n",
        "pytest.ini": "[pytest]\npython_files = *_spec.py\n",
    }
    projects = surface.SubProjects(
        [(f"{folder}/{name}" if folder else name, texts[name]) for folder, name in configs],
        roles.DEFAULT_PYTHON_FILES,
    )
    for relpath in [*asked, *asked]:
        directory = surface._directory(relpath)
        assert projects.project_of(relpath) == surface._nearest(projects.packaged, directory)
        nearest = surface._nearest(projects.patterns, directory)
        patterns = projects.default if nearest is None else projects.patterns[nearest]
        assert projects.python_files(relpath) == patterns, relpath


def _made_by_reading_every_module(index: ProjectIndex, makers: set[str]) -> dict[str, Made]:
    """`made_callables` as it was: every function of every module read."""
    known = {*loop_entries.KNOWN_MAKERS, *makers}
    out: dict[str, Made] = {}
    for module, facts in index.modules.items():
        for qualname, func in facts.functions.items():
            for decorator in func.decorators:
                maker = index.canonical(decorator.removesuffix("()"))
                if maker in known:
                    label = maker.rpartition(".")[2]
                    original = f"{module}.{qualname}" if func.is_async else ""
                    out[f"{module}.{qualname}"] = Made(f"decorated with `@{label}`", original)
        for name, (helper, first) in facts.made.items():
            maker = index.canonical(helper)
            if maker in known:
                label = maker.rpartition(".")[2]
                out[f"{module}.{name}"] = Made(f"made by `{label}(...)`", first, maker)
        for class_name, info in facts.classes.items():
            for name, (helper, first) in info.made.items():
                maker = index.canonical(helper)
                if maker in known:
                    label = maker.rpartition(".")[2]
                    out[f"{module}.{class_name}.{name}"] = Made(
                        f"made by `{label}(...)`", first, maker
                    )
    return out


def _importers_by_split(modules: dict[str, FileFacts]) -> dict[str, set[str]]:
    """compute_roles' table of importers as it was: every imported name split again."""
    importers: dict[str, set[str]] = {}
    for module, facts in modules.items():
        for imported in facts.imported_modules:
            parts = imported.split(".")
            for name in (imported, *(".".join(parts[:i]) for i in range(1, len(parts)))):
                importers.setdefault(name, set()).add(module)
    return importers


def _roles_fields(found: ProjectRoles) -> tuple[Any, ...]:
    return (
        found.test_modules,
        found.test_dirs,
        found.script_modules,
        found.entry_targets,
        found.outside_modules,
        found.public_modules,
        found.projects.applications if found.projects else None,
    )


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_project_passes_answer_as_the_plain_computations(root: Path, tmp_path: Path) -> None:
    """On every case: `compute_roles` given the test folders `_expand` listed answers as
    listing them again; the modules `ProjectIndex` lists as making are every module
    with a decorator or a made callable, before and after functions are read late; and
    `made_callables` reading only those answers as reading every module; the importers
    listed by `_Importers` are those splitting every imported name listed; the names
    `imported_names` lists once are every module's."""
    analysis = _analysis(root, tmp_path)
    index = analysis.project.index
    texts = {rel: analysis.read[rel] for rel in analysis.read}
    metadata = {"pyproject.toml": "[project]\nname = 'case'\n"}
    for python_files in (roles.DEFAULT_PYTHON_FILES, ("check_*.py",)):
        plain = roles.compute_roles(
            index.modules,
            index.paths,
            metadata,
            list(texts),
            texts=texts,
            python_files=python_files,
        )
        given_tests = roles.compute_roles(
            index.modules,
            index.paths,
            metadata,
            list(texts),
            texts=texts,
            python_files=python_files,
            tests=roles.test_path_predicate(list(texts)),  # made with the default patterns
        )
        assert _roles_fields(given_tests) == _roles_fields(plain)
    importers = roles._Importers(index.paths, index.modules)
    plain = _importers_by_split(index.modules)
    for module in index.modules:
        assert importers.of(module) == plain.get(module, set()), module
    rebuilt = ProjectIndex.build(index.modules, index.paths)
    scanned = ProjectIndex(modules=index.modules, paths=index.paths)  # never built: scans
    every_import = {m for facts in index.modules.values() for m in facts.imported_modules}
    assert index.imported_names() == every_import  # after the bodies read late too
    assert rebuilt.making_modules() == scanned.making_modules()
    for module, facts in index.modules.items():
        decorated = any(f.decorators for f in facts.functions.values())
        made = bool(facts.made) or any(c.made for c in facts.classes.values())
        assert (module in rebuilt.making_modules()) == (decorated or made), module
    in_tests = roles.test_path_predicate(list(texts))
    makers = loop_entries.entry_makers(index, in_tests)
    found = loop_entries.made_callables(index, in_tests, makers)
    assert found == _made_by_reading_every_module(index, makers)
    assert list(found) == list(_made_by_reading_every_module(index, makers))  # same order
    if index.modules:  # a decorated function read late: its module is listed from then on
        module = next(iter(index.modules))
        late = Function("late_wrapped", False, 1, decorators=["functools.cache"])
        rebuilt.add_function(module, late)
        assert module in rebuilt.making_modules()


class _CountedFunctions(dict[str, Function]):
    """A module's functions, counting how often the whole table is read."""

    reads = 0

    def items(self) -> Any:
        type(self).reads += 1
        return super().items()


def test_made_callables_reads_only_the_modules_that_make_something() -> None:
    modules = {
        f"m{i}": FileFacts(f"m{i}", functions=_CountedFunctions(f=Function("f", False, 1)))
        for i in range(2_000)
    }
    wrapped = Function("g", True, 1, decorators=["asyncer.syncify"])
    modules["m7"].functions["g"] = wrapped
    own_dict(modules["m9"], "made")["run_g"] = ("asyncer.syncify", "m7.g")  # `run_g = syncify(g)`
    index = ProjectIndex.build(modules, {m: f"{m}.py" for m in modules})
    _CountedFunctions.reads = 0
    found = loop_entries.made_callables(index)
    assert set(found) == {"m7.g", "m9.run_g"}
    assert _CountedFunctions.reads <= 2  # the two modules that make something, not 2,000


def test_made_entries_reused_only_while_nothing_they_read_changed() -> None:
    facts = FileFacts("m", functions={"f": Function("f", True, 1, decorators=["asyncer.syncify"])})
    index = ProjectIndex.build({"m": facts}, {"m": "m.py"})
    kept: dict[str, Made] = {}  # not what made_callables says: reused, it is returned
    run = cast(Any, SimpleNamespace(made=(index, index.generation, kept), in_tests=lambda _: False))
    assert pipeline._made_entries(run, index, False) is kept
    assert "m.f" in pipeline._made_entries(run, index, True)  # a site added: recomputed
    other = ProjectIndex.build({"m": facts}, {"m": "m.py"})
    assert "m.f" in pipeline._made_entries(run, other, False)  # another index
    index.add_function("m", Function("h", False, 2))
    assert "m.f" in pipeline._made_entries(run, index, False)  # a function read since


# `file` is found in NFKC form in the non-ASCII files (`ﬁle`), never among their pieces.
_NEEDLE_WORD = st.one_of(
    st.text(alphabet="ab_19-", min_size=0, max_size=4).map(str.encode), st.just(b"file")
)


@given(
    data=st.text(alphabet="ab_19 .()\n-", max_size=60).map(str.encode),
    non_ascii=st.booleans(),
    needles=st.lists(
        st.tuples(
            st.sampled_from([b"", b"a", b"b1"]),
            _NEEDLE_WORD,
            st.lists(st.lists(_NEEDLE_WORD, min_size=1, max_size=2), min_size=1, max_size=2),
        ),
        max_size=12,
    ),
)
@settings(max_examples=400, deadline=None)
def test_needles_by_basename_answer_as_every_needle_did(
    data: bytes,
    non_ascii: bool,
    needles: list[tuple[bytes, bytes, list[list[bytes]]]],
) -> None:
    if non_ascii:
        data += " # ﬁle".encode()  # matched in NFKC form: every needle is tried
    interest = pipeline._Interest()
    for package, basename, groups in needles:
        interest.needles.setdefault((package, basename), set()).update(map(tuple, groups))
    indexed = pipeline._by_basename(interest, many=-1)  # index even no needles
    assert indexed is not None
    by_index = pipeline._wants("m.py", "a.m", data, interest, indexed)
    assert by_index == pipeline._wants("m.py", "a.m", data, interest)  # every needle tried


def test_a_file_is_tried_only_on_the_needles_it_may_mention() -> None:
    """Many needles, one file: only those whose basename the file holds are tried."""
    interest = pipeline._Interest()
    for k in range(5_000):
        interest.needles[b"app", f"m{k}".encode()] = {(f"serve_{k}".encode(),)}
    interest.needles[b"app", b"odd-name"] = {(b"x",)}  # not a word: always tried
    data = b"from app.p7.m7 import serve_7\n\nx = m12 + m123_4\n"
    tried = list(pipeline._needles_in(data, interest, pipeline._by_basename(interest)))
    # A digit bounds a word for `mentions_word`, `_` does not: `m1` and `m12` are in
    # `m123_4`, `m123` is not.
    assert sorted(key for key, _ in tried) == [
        (b"app", b"m1"),
        (b"app", b"m12"),
        (b"app", b"m7"),
        (b"app", b"odd-name"),
    ]
    assert all(mentions_word(data, name) for (_, name), _ in tried if name != b"odd-name")
    assert pipeline._wants("m.py", "other.m", data, interest)


# ------------------------------------------------------------------ the expander's look-ups
_IDENT_WORD = st.sampled_from(["f", "g", "h", "run", "get", "m1", "x"])


def _mentioning_by_search(
    idents: dict[str, set[str]], names: list[str]
) -> list[tuple[str, list[str]]]:
    """`_Mentions` as a plain search: every module, every name."""
    asked = list(dict.fromkeys(names))
    out = [(module, [n for n in asked if n in known]) for module, known in idents.items()]
    return [(module, found) for module, found in out if found]


@given(
    idents=st.lists(st.sets(_IDENT_WORD, max_size=5), max_size=8),
    batches=st.lists(st.lists(_IDENT_WORD, max_size=4), max_size=6),
    indexed=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_mentions_answer_as_every_module_searched(
    idents: list[set[str]], batches: list[list[str]], indexed: bool
) -> None:
    """Scanned a batch at a time or from the word index, names asked once or again: the
    modules that mention them, in module order, each with its names in asked order."""
    table = {f"m{i}": known for i, known in enumerate(idents)}
    mentions = pipeline._Mentions(table)
    if indexed:  # as if the scans had cost what the index does
        mentions.scans = pipeline._SCAN_NAMES
    for names in batches:
        assert mentions(names) == _mentioning_by_search(table, names)
        assert mentions(names) == _mentioning_by_search(table, names)  # asked again
    if indexed and any(idents) and any(batches):
        assert mentions.by_word and mentions.scans == pipeline._SCAN_NAMES  # no pass


def test_mentions_stay_linear_in_batches() -> None:
    """A deep call chain asks one new name per layer: the passes over every module stop
    once they have cost what indexing every word does (counted, not timed)."""
    table = {f"m{i}": {f"f{i}", f"g{i}", "common"} for i in range(2_000)}
    words = sum(len(known) for known in table.values())
    mentions = pipeline._Mentions(table)
    for i in range(1_000):  # one name per layer
        assert mentions([f"f{i}"]) == [(f"m{i}", [f"f{i}"])]
    assert mentions.by_word  # indexed once the passes added up
    assert mentions.scans * len(table) <= words + len(table)


def _deferred_module(texts: list[str], head: str) -> tuple[bytes, list[Function], list[str]]:
    """A module whose functions' bodies are `texts`, deferred, after `head` lines."""
    lines = head.split("\n")
    funcs: list[Function] = []
    for i, text in enumerate(texts):
        start = len(lines) + 1
        lines.extend([f"def f{i}():", *(f"    {line}" for line in text.split("\n"))])
        funcs.append(Function(f"f{i}", False, start, deferred_start=start, deferred_end=len(lines)))
    return "\n".join(lines).encode(), funcs, lines


@given(
    texts=st.lists(st.text(alphabet="ab_19 .()\r\n", max_size=30), min_size=1, max_size=4),
    head=st.sampled_from(["", "import a", "# -*- coding: latin-1 -*-", "ﬁle = 1", "a\rb"]),
    words=st.lists(_WORD, min_size=1, max_size=3),
    read=st.sets(st.integers(0, 4)),
)
@settings(max_examples=400, deadline=None)
def test_may_mention_never_turns_down_a_body_that_mentions(
    texts: list[str], head: str, words: list[str], read: set[int]
) -> None:
    """`_may_mention` is false only when no deferred body mentions a word, as the bodies
    cut from the decoded lines (what `_Bodies` searches) show; on plain ASCII bytes it
    is exact."""
    data, funcs, _ = _deferred_module(texts, head)
    for i in read:
        if i < len(funcs):
            funcs[i].deferred_start = 0  # read already
    wanted = [w.encode() for w in words]
    lines = source_lines(decode_source(data))
    mentioned = any(
        mentions_word("\n".join(lines[f.deferred_start - 1 : f.deferred_end]).encode(), w)
        for f in funcs
        if f.deferred_start
        for w in wanted
    )
    answer = pipeline._may_mention(data, funcs, wanted)
    assert answer or not mentioned
    if data.isascii() and b"\r" not in data and b"coding" not in data:
        # exact, up to a word found as part of a longer one
        found_in_bodies = any(
            w in "\n".join(lines[f.deferred_start - 1 : f.deferred_end]).encode()
            for f in funcs
            if f.deferred_start
            for w in wanted
        )
        assert answer == found_in_bodies


class _OneAtATimeCallers(CallerIndex):
    """`CallerIndex` with `_walk_callers` as it was before the walk asked by layer: one
    `ask` per function."""

    def _walk_callers(
        self, todo: list[str], found: set[str], overrides: bool, parents: bool, read: bool
    ) -> None:
        index = self.index
        while todo:
            key = todo.pop()
            if key in found:
                continue
            found.add(key)
            requests = self.requests_for(key)
            if read:
                self.ask(requests)
            for name in {r[0] for r in requests}:
                for caller, _ in self._resolved(name, overrides, False).get(key, ()):
                    if caller not in found:
                        todo.append(caller)
            ref = index.functions[key]
            if parents and ref.func.parent:
                todo.append(f"{ref.module}.{ref.func.parent}")


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_walk_by_layer_reads_the_bodies_one_at_a_time_did(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asking the expander a layer of the caller walk at a time reads the same deferred
    bodies, and finds the same, as asking it one function at a time."""
    target = copy_case(root, tmp_path)
    runs = []
    for walk in (CallerIndex._walk_callers, _OneAtATimeCallers._walk_callers):
        monkeypatch.setattr(CallerIndex, "_walk_callers", walk)
        analysis = analyse_project([target], cwd=tmp_path, use_cache=False)
        read = {
            key
            for key, ref in analysis.project.index.functions.items()
            if not ref.func.deferred_start
        }
        findings = [(f.path, f.line, f.col, f.code, f.message) for f in analysis.result.findings]
        runs.append((read, findings))
    assert runs[0] == runs[1]


class _AskedAfreshCallers(CallerIndex):
    """`CallerIndex` with `requests_for` as it was: computed on every call."""

    def requests_for(self, key: str) -> frozenset[tuple[str, frozenset[str], str]]:
        ref = self.index.functions[key]
        func = ref.func
        name = func.qualname.rpartition(".")[2]
        if (
            ref.module in self.test_modules
            and not func.parent
            and (name.startswith("test") or name in callers_module._RUNNER_CALLED)
        ):
            return frozenset()
        if name in callers_module._CONSTRUCTORS:
            if not func.class_name:
                return frozenset()
            name = func.class_name.rpartition(".")[2]
            words = self._import_words(ref.module, func.class_name)
        elif name.startswith("__") and name.endswith("__"):
            return frozenset()
        elif func.class_name:
            words = frozenset(self._class_names(func.class_name))
        else:
            words = self._import_words(ref.module, key)
        names = {name} | self.index.aliases_by_name().get(name, set())
        return frozenset((n, words, ref.module) for n in names)


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_requests_kept_answer_as_asked_afresh(root: Path, tmp_path: Path) -> None:
    """`requests_for` keeps its answers per function: after a walk has read bodies and
    the test modules have changed, they are what computing them afresh gives."""
    project = _analysis(root, tmp_path).project
    callers = CallerIndex(project.index)
    for key in project.index.functions:
        callers.requests_for(key)
    callers.test_modules = set(project.roles.test_modules)
    callers.leading_to_sites(untraced=True)
    fresh = _AskedAfreshCallers(project.index)
    fresh.test_modules = callers.test_modules
    for key in project.index.functions:
        assert callers.requests_for(key) == fresh.requests_for(key), key


@given(text=st.text(alphabet="aZ_19 .()\n\t\x0c\x1f#é", max_size=60))
@settings(max_examples=500, deadline=None)
def test_identifiers_split_as_the_pattern_found(text: str) -> None:
    """`identifiers` of ASCII bytes splits at every other byte, where it ran a pattern."""
    data = text.encode()
    found = identifiers(data)
    if data.isascii():
        assert found == set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    assert all(word.isidentifier() for word in found)


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_deferred_listed_as_each_module_searched(root: Path, tmp_path: Path) -> None:
    """`CallerIndex.deferred`, listed in its pass over every function, is what searching
    each module's functions gave the expander: same modules, same functions, same order."""
    project = _analysis(root, tmp_path).project
    expected = {
        module: waiting
        for module, facts in project.index.modules.items()
        if (waiting := [f for f in facts.functions.values() if f.deferred_start])
    }
    deferred = CallerIndex(project.index).deferred
    assert list(deferred) == list(expected)
    assert deferred == expected


@given(text=st.text(alphabet="aZ_19 .()\n\tdefimportrunclassasync", max_size=80))
@settings(max_examples=300, deadline=None)
def test_module_names_leave_out_only_keywords(text: str) -> None:
    """What the expander keeps of a module's words: every identifier but the keywords,
    which no function, class or module can be named (`def def():` does not parse)."""
    import keyword

    data = text.encode()
    kept = pipeline._names_in(data)
    assert kept == identifiers(data) - set(keyword.kwlist)
    assert not any(keyword.iskeyword(word) for word in kept)
