"""The analyser proper: prefilter → parse/extract (parallel, cached per file) →
project index → call graph → rules. Called by `loopsafe.engine.analyse` on a cache miss.
"""

from __future__ import annotations

import functools
import gc
import keyword
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from loopsafe import gc_policy
from loopsafe.analysis import Analysis, PathTable, Project
from loopsafe.cache import Cache
from loopsafe.discover.config import Config
from loopsafe.discover.environment import Environment
from loopsafe.discover.files import Discovery, ModuleNamer, SourceFile
from loopsafe.discover.pytest_config import first_settings
from loopsafe.facts import apis
from loopsafe.facts.callers import CallerIndex, Expander, Reader, RequestSet
from loopsafe.facts.callgraph import CallGraph
from loopsafe.facts.extract import expand_deferred, trigger_words
from loopsafe.facts.fixtures import async_used_fixtures
from loopsafe.facts.index_parts import IndexParts
from loopsafe.facts.loop_entries import (
    KNOWN_MAKERS,
    Made,
    entry_makers,
    made_callables,
    reexported_run_sites,
    wrapper_call_sites,
)
from loopsafe.facts.loop_entries import (
    RUNNER_TOPS as _RUNNER_TOPS,
)
from loopsafe.facts.model import FileFacts, Function
from loopsafe.facts.nodes import source_lines
from loopsafe.facts.project import ProjectIndex
from loopsafe.facts.pytest_version import detect as detect_pytest_asyncio
from loopsafe.facts.roles import (
    DEFAULT_PYTHON_FILES,
    TestPaths,
    compute_roles,
    is_test_filename,
    test_path_predicate,
)
from loopsafe.facts.suppressions import BLANKET
from loopsafe.fsnames import identifier
from loopsafe.lifeline import Lifeline, watch
from loopsafe.model import Finding, ParseError, Result
from loopsafe.parse.source import SourceError, decode_source, may_declare_encoding
from loopsafe.prefilter import (
    has_async_def,
    has_trigger,
    identifiers,
    imports_word,
    mentions_any,
    mentions_pytest_asyncio,
    mentions_word,
    trigger_search,
)
from loopsafe.rules.evaluate import evaluate_module, evaluate_project
from loopsafe.rules.registry import registry
from loopsafe.scan import Job, Outcome, Work, digest_of, read_bytes, scan, scan_many
from loopsafe.vendor import is_own_runtime

Progress = Callable[[int, int], None]
# A comment that can name a loopsafe code: files without one need no LS001 check (a noqa
# comment naming only other tools' codes, common as it is, never costs a tokenizer pass).
_MAYBE_SUPPRESSION = re.compile(
    rb"#[ \t]*loopsafe[ \t]*:|#[ \t]*noqa[ \t]*:[^\r\n#]*ls\d", re.IGNORECASE
)
_PARALLEL_MIN_BYTES = 400_000
_CONSTRUCTORS = frozenset(
    {"__init__", "__new__", "__post_init__"}
)  # below this, process start-up costs more than it saves


@dataclass
class _Run:
    cwd: Path
    config: Config
    discovery: Discovery
    cache: Cache
    jobs: int
    progress: Progress | None
    jobs_by_rel: dict[str, Job] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)
    # Is a file test code, judged from the whole tree's layout (set once every file is named).
    in_tests: Callable[[str], bool] = field(default=lambda _: False)
    # The last round's `made_callables`, with the index and its `generation` then.
    made: tuple[ProjectIndex, int, dict[str, Made]] | None = None
    facts: dict[str, FileFacts] = field(default_factory=dict)  # relpath -> facts
    errors: list[ParseError] = field(default_factory=list)
    digests: set[str] = field(default_factory=set)  # cache entries still in use
    done: int = 0
    uses_pytest_asyncio: bool = False
    imports_pytest_asyncio: bool = False  # a file parsed so far does (`_record`)
    watched: tuple[str, ...] = ()  # APIs rules watch (`SiteKind.CALL` sites)
    watched_arguments: tuple[tuple[str, str, int], ...] = ()  # ... sites only with that argument
    bindings: tuple[str, ...] = ()  # ... whose rules read `bound_names`
    triggers: tuple[bytes, ...] = ()  # what a file must mention to hold a site
    # Parse every file, every body in full: the plain analysis that the prefilter and the
    # deferred bodies only make faster (tests check both give the same findings).
    eager: bool = False
    # Per module, kept across expansion rounds: its identifiers, text and lines.
    identifiers: dict[str, set[str]] = field(default_factory=dict)  # relpath -> words
    texts: dict[str, str] = field(default_factory=dict)  # module -> decoded text
    lines: dict[str, list[str]] = field(default_factory=dict)  # module -> source lines
    chunks: dict[tuple[str, str], bytes] = field(default_factory=dict)  # deferred bodies
    # The first expansion round's index rows, listed as the facts arrive (None once used).
    parts: IndexParts | None = field(default_factory=IndexParts)
    # The project's and loopsafe's environments, as the run's cache key saw them.
    environment: Environment | None = None


def run(
    cwd: Path,
    config: Config,
    discovery: Discovery,
    cache: Cache,
    metadata: list[tuple[str, str]],
    environment: Environment | None = None,
    *,
    workers: int,
    progress: Progress | None = None,
    eager: bool = False,
) -> tuple[Analysis, set[str]]:
    """The findings with the project model behind them, and the digests of the per-file
    cache entries this run used. `eager`: parse every file in full (see `_Run.eager`)."""
    state = _Run(
        cwd=cwd,
        config=config,
        discovery=discovery,
        cache=cache,
        jobs=workers,
        progress=progress,
        eager=eager,
        environment=environment,
    )
    # The run builds millions of long-lived objects (facts, indexes, tables) and next to
    # no garbage cycles (176 on 10,000 files): the cyclic GC's collections walked them all
    # again and again, a quarter of the CPU of everything after the parse. What happens
    # to them when it is back on: see `gc_policy`.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    analysis: Analysis | None = None
    try:
        analysis = _analyse(state, metadata)
        return analysis, state.digests
    finally:
        gc_policy.resume(gc_was_enabled, keep=(state, analysis))


def _analyse(run: _Run, metadata: list[tuple[str, str]]) -> Analysis:
    run.cache.load()
    run.uses_pytest_asyncio = any(
        mentions_pytest_asyncio(text) for name, text in metadata if not name.endswith("PKG-INFO")
    )
    run.watched = registry().watched_calls()
    run.watched_arguments = registry().watched_arguments()
    run.bindings = registry().binding_calls()
    run.triggers = trigger_search(word.encode() for word in trigger_words(run.watched))
    _parse_triggered(run)
    index, callers = _expand(run)  # the cyclic GC is off for the whole run (see `run`)
    return _evaluate(run, index, callers, metadata)


def _job(run: _Run, source: SourceFile, module: str, is_package: bool) -> Job:
    return Job(
        source.path,
        source.relpath,
        module,
        is_package,
        run.config.thread_apis,
        run.watched,
        watched_arguments=run.watched_arguments,
        defer=not run.eager,
        bindings=run.bindings,
    )


def _same_names(seen: dict[str, list[str]]) -> dict[str, str]:
    """relpath -> the dotted name it takes instead, for the files that `ModuleNamer` gave
    the same name (conftest.py, scripts in several folders): their paths tell them apart.
    `seen`: the namer's dotted name -> the relpaths it gave it."""
    renamed: dict[str, str] = {}
    for relpaths in seen.values():
        if len(relpaths) > 1:
            for relpath in relpaths:
                stem = PurePosixPath(relpath).with_suffix("")
                dotted = ".".join(p for p in stem.parts if p not in ("/", "..", "."))
                renamed[relpath] = identifier(dotted.replace("-", "_"))
    return renamed


# ---------------------------------------------------------------------- parsing
def _parse_triggered(run: _Run) -> None:
    """Read every file once; parse those that can hold a site, starting the workers while
    the rest is still being read.

    Each file is named (as Python would import it: from the packages on disk) as it is
    read, so the workers start on the first files rather than after all 50,000 are named;
    the few files found to share a name once all are named are renamed by their paths and
    parsed again under that name."""
    namer = ModuleNamer(run.discovery.root)
    seen: dict[str, list[str]] = {}  # dotted name -> relpaths
    scheduler = _Scheduler(run)
    for source in run.discovery.files:
        relpath = source.relpath
        module = namer.name(source.path)
        seen.setdefault(module, []).append(relpath)
        job = _job(run, source, module, os.path.basename(source.path) == "__init__.py")
        run.jobs_by_rel[relpath] = job
        try:
            data = read_bytes(job.abspath)
        except SourceError as exc:
            run.errors.append(ParseError(relpath, exc.line, exc.message))
            continue
        run.data[relpath] = data
        if run.eager or has_trigger(data, run.triggers):
            scheduler.add(job)
    # Which files are tests depends on their paths alone: listed while the workers parse.
    run.in_tests = test_path_predicate(list(run.jobs_by_rel))
    scheduler.finish()
    renamed = _same_names(seen)
    if renamed:
        _rename(run, renamed)


def _rename(run: _Run, renamed: dict[str, str]) -> None:
    """Give the files in `renamed` (relpath -> dotted name) their names, parsing again the
    ones parsed under the old name (an error to parse is the same under any name); the
    facts keep the files' order. The cache keeps the facts under both names: the next run
    names the files the same way."""
    again: list[Job] = []
    for relpath, module in renamed.items():
        job = run.jobs_by_rel[relpath] = replace(run.jobs_by_rel[relpath], module=module)
        if run.facts.pop(relpath, None) is not None:
            run.identifiers.pop(relpath, None)
            run.done -= 1  # counted again when parsed again
            again.append(job)
    if again:
        run.parts = None  # listed in another order: the full build
        _parse(run, again)
        order = {relpath: i for i, relpath in enumerate(run.jobs_by_rel)}
        run.facts = dict(sorted(run.facts.items(), key=lambda item: order[item[0]]))


def _parse(run: _Run, jobs: list[Job]) -> None:
    scheduler = _Scheduler(run)
    for job in jobs:
        scheduler.add(job)
    scheduler.finish()


class _Scheduler:
    """Parses jobs from the cache, in this process, or in worker processes once there is
    enough work to pay for them; batches go out as soon as they fill."""

    _BATCH_BYTES = 120_000

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.pending: list[Work] = []
        self.pending_bytes = 0
        self.total_bytes = 0
        self.pool: Any = None
        self.lifeline: Lifeline | None = None  # the workers exit when this process dies
        self.futures: list[tuple[Any, list[Work]]] = []

    def add(self, job: Job) -> None:
        run = self.run
        data = run.data.get(job.relpath)
        if data is None or is_own_runtime(data, job.abspath):
            return  # a copy of loopsafe's own helper (vendored): not the project's code
        # No cache (--no-cache): no key to compute.
        digest = digest_of(data, job) if run.cache.enabled else ""
        hit = run.cache.get_facts(digest) if digest else None
        if hit is not None:
            run.digests.add(digest)
            if isinstance(hit, FileFacts):
                run.facts[job.relpath] = hit
            else:
                run.errors.append(ParseError(job.relpath, hit[0], hit[1]))
            _tick(run)
            return
        self.pending.append((job, data, digest))
        self.pending_bytes += len(data)
        self.total_bytes += len(data)
        # Two files at least: a lone file, however big, is parsed here, as a worker would
        # leave this process waiting for it and then unpickling its facts.
        if (
            self.pool is None
            and run.jobs > 1
            and len(self.pending) > 1
            and self.total_bytes >= _PARALLEL_MIN_BYTES
        ):
            self.lifeline = Lifeline()
            self.pool = _start_pool(run.jobs, self.lifeline)
        if self.pool is not None and self.pending_bytes >= self._BATCH_BYTES:
            self._submit()

    def _submit(self) -> None:
        batch: list[Work] = []
        size = 0
        for work in self.pending:  # the first batch can be large: the pool starts late
            batch.append(work)
            size += len(work[1])
            if size >= self._BATCH_BYTES:
                self.futures.append((self.pool.submit(scan_many, batch), batch))
                batch, size = [], 0
        if batch:
            self.futures.append((self.pool.submit(scan_many, batch), batch))
        self.pending, self.pending_bytes = [], 0

    def finish(self) -> None:
        run = self.run
        # Building (or unpickling) facts triggers the cyclic GC, for nothing.
        with gc_policy.paused():
            try:
                if self.pool is None:
                    for job, data, digest in self.pending:
                        _record(run, scan(job, data, digest))
                        _tick(run)
                    return
                self._submit()
                try:
                    self._collect()
                finally:
                    self.pool.shutdown(cancel_futures=True)
            finally:
                if self.lifeline is not None:
                    self.lifeline.close()

    def _collect(self) -> None:
        """Outcomes in submission order. Rather than wait, this process takes the next
        batch no worker has started yet, which also saves sending its facts back: the
        next, not the last, so that its outcomes take their place in order while the
        workers still parse (taken from the end, they all waited for the last worker
        batch, and this process alone placed them, a quarter of a second on 50,000 files).
        What does not depend on the order is recorded at once."""
        run = self.run
        local: dict[int, list[Outcome]] = {}
        ahead = 0  # the next batch to try to take
        for i, (future, _) in enumerate(self.futures):
            ahead = max(ahead, i + 1)
            while not future.done() and ahead < len(self.futures):
                other, batch = self.futures[ahead]
                if other.cancel():
                    taken = local[ahead] = [scan(*work) for work in batch]
                    for outcome in taken:
                        _absorb(run, outcome)
                ahead += 1
            if i in local:
                for outcome in local.pop(i):
                    _place(run, outcome)
                    _tick(run)
                continue
            for outcome in future.result():
                _absorb(run, outcome)
                _place(run, outcome)
                _tick(run)


def _start_pool(workers: int, lifeline: Lifeline) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # only when worth it

    methods = multiprocessing.get_all_start_methods()
    # fork: workers start with loopsafe already imported, in milliseconds.
    forking = "fork" in methods
    context = multiprocessing.get_context("fork" if forking else None)
    # A spawned worker inherits no fds: it can only watch its parent's PID.
    fds = (lifeline.read_fd, lifeline.write_fd) if forking else (-1, -1)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_started,
        initargs=(*fds, lifeline.parent_pid),
    )


def _worker_started(read_fd: int, write_fd: int, parent_pid: int) -> None:
    """In each pool worker: exit when the parent does (see `loopsafe.lifeline`)."""
    watch(read_fd, parent_pid, close_fds=(write_fd,))


def _record(run: _Run, outcome: Outcome) -> None:
    _absorb(run, outcome)
    _place(run, outcome)


def _absorb(run: _Run, outcome: Outcome) -> None:
    """What an outcome adds that does not depend on the order outcomes come in."""
    if outcome.digest:
        run.digests.add(outcome.digest)
        run.cache.put_facts(outcome.digest, outcome.facts, outcome.error_line, outcome.error)
    facts = outcome.facts
    if facts is None:
        run.errors.append(ParseError(outcome.relpath, outcome.error_line, outcome.error))
        return
    if not (run.uses_pytest_asyncio or run.imports_pytest_asyncio):
        run.imports_pytest_asyncio = _imports_pytest_asyncio(facts)
    if any(map(_DEFERRED, facts.functions.values())):
        # What the expander will ask of every module with a deferred body, worked out
        # now, while the workers parse, rather than in the serial stage after them.
        run.identifiers[outcome.relpath] = _names_in(run.data.get(outcome.relpath, b""))


def _place(run: _Run, outcome: Outcome) -> None:
    """What depends on the order: the facts, and the index rows, in the files' order."""
    facts = outcome.facts
    if facts is not None:
        run.facts[outcome.relpath] = facts
        if run.parts is not None:
            run.parts.add(facts)


_DEFERRED = operator.attrgetter("deferred_start")
_KEYWORDS = frozenset(keyword.kwlist)


def _names_in(data: bytes) -> set[str]:
    """The identifiers of a module that can name something (no keyword can): what the
    expander asks about is always a function, class or module name. Most modules use
    `def`, `return`, `import`... : without them a set of a few dozen words often fits a
    table half the size (50,000 such sets were the run's largest object after the facts)."""
    return identifiers(data) - _KEYWORDS  # a new set, sized for what is left


def _tick(run: _Run) -> None:
    run.done += 1
    if run.progress is not None:
        run.progress(run.done, max(len(run.discovery.files), run.done))


# ---------------------------------------------------------------------- expansion
@dataclass
class _Interest:
    """What the next prefilter round looks for in files not parsed yet."""

    # (top-level package, module basename) -> word groups. A file that mentions the basename
    # (and the package, when it lives outside that package) and every word of a group may
    # call a function on a path to a site (`f`, or `Class` and `method`).
    needles: dict[tuple[bytes, bytes], set[tuple[bytes, ...]]] = field(default_factory=dict)

    def add(self, module: str, group: tuple[str, ...]) -> None:
        top, _, _ = module.partition(".")
        key = (top.encode() if "." in module else b"", module.rpartition(".")[2].encode())
        self.needles.setdefault(key, set()).add(tuple(w.encode() for w in group))

    fixtures: set[bytes] = field(default_factory=set)  # fixtures holding a site
    importers: set[bytes] = field(default_factory=set)  # modules whose importers matter
    modules: set[str] = field(default_factory=set)  # relpaths to parse outright

    def minus(self, other: _Interest) -> _Interest:
        """The needles, fixtures and importers of this interest that `other` lacks."""
        out = _Interest(fixtures=self.fixtures - other.fixtures)
        out.importers = self.importers - other.importers
        for key, groups in self.needles.items():
            fresh = groups - other.needles.get(key, set())
            if fresh:
                out.needles[key] = fresh
        return out

    def update(self, other: _Interest) -> None:
        self.fixtures |= other.fixtures
        self.importers |= other.importers
        for key, groups in other.needles.items():
            self.needles.setdefault(key, set()).update(groups)


def _expand(run: _Run) -> tuple[ProjectIndex, CallerIndex]:
    """Parse the files that can reach a site: callers, importers, decorator owners.

    Each round resolves the calls among the files parsed so far, so only functions that
    really lead to a site widen the search; a file is parsed only when its bytes mention
    both such a function and a module it could be imported from.
    """
    by_module = {job.module: rel for rel, job in run.jobs_by_rel.items()}
    in_tests = run.in_tests
    failed = {e.path for e in run.errors}
    async_tests: set[str] = set()
    if run.uses_pytest_asyncio or run.imports_pytest_asyncio:
        run.uses_pytest_asyncio = True
        async_tests = {
            rel for rel, data in run.data.items() if is_test_filename(rel) and has_async_def(data)
        }
    checked = _Interest()  # what every file still unparsed was found not to mention
    while True:
        index, parts = _project_index(run)
        callers = CallerIndex(index, None, registry().untraced_calls(), parts)
        callers.expander = _expander(run, index, callers.deferred)
        callers.reader = _reader(run, index)
        callers.test_modules = {m for m, path in index.paths.items() if in_tests(path)}
        interest = _interest(run, index, callers, by_module, in_tests)
        wanted = {m for m in interest.modules if m not in run.facts and m not in failed}
        wanted |= async_tests - set(run.facts) - failed
        # `_wants` is true when any one needle, fixture or importer matches, so a file
        # turned down in an earlier round only needs this round's new ones.
        new = interest.minus(checked)
        checked.update(interest)
        basenames = _by_basename(new)
        for relpath, data in run.data.items():
            if relpath in run.facts or relpath in wanted or relpath in failed:
                continue
            if _wants(relpath, run.jobs_by_rel[relpath].module, data, new, basenames):
                wanted.add(relpath)
        if not wanted:
            return index, callers
        _parse(run, [run.jobs_by_rel[w] for w in sorted(wanted)])
        failed = {e.path for e in run.errors}


def _imports_pytest_asyncio(facts: FileFacts) -> bool:
    """Asked of every file parsed: mapped in C, without generators."""
    return (
        facts.has_module_asyncio_mark
        or any(map(_FROM_PYTEST_ASYNCIO, facts.imported_modules))
        or any(map(_ASYNCIO_MARKED, facts.functions.values()))
    )


_FROM_PYTEST_ASYNCIO = operator.methodcaller("startswith", "pytest_asyncio")
_ASYNCIO_MARKED = operator.attrgetter("has_asyncio_mark")


_MANY_NEEDLES = 256  # above this, a file's words are listed to pick the needles to try
_Needle = tuple[bytes, bytes]  # (top-level package, module basename), see `_Interest`


def _by_basename(
    interest: _Interest, many: int = _MANY_NEEDLES
) -> tuple[dict[bytes, list[_Needle]], list[_Needle]] | None:
    """When there are `many` needles: those whose basename is a word `_pieces` can list,
    by basename, and the others (tried on every file). See `_needles_in`."""
    if len(interest.needles) <= many:
        return None
    listed: dict[bytes, list[_Needle]] = {}
    always: list[_Needle] = []
    for key in interest.needles:
        if key[1].isascii() and _RUN.fullmatch(key[1]):
            listed.setdefault(key[1], []).append(key)
        else:
            always.append(key)
    return listed, always


def _needles_in(
    data: bytes,
    interest: _Interest,
    basenames: tuple[dict[bytes, list[_Needle]], list[_Needle]] | None,
) -> Iterable[tuple[_Needle, set[tuple[bytes, ...]]]]:
    """The needles whose basename `data` may mention: all of them, or, when there are
    many, those whose basename is one of the file's pieces (in ASCII bytes, every word
    made of letters, digits and `_` that `mentions_word` finds is one: see `_Bodies`).
    Testing every needle on every file left unparsed made a project with many sites
    quadratic in its files."""
    if basenames is None or not data.isascii():
        return interest.needles.items()
    pieces = _pieces(data)
    if pieces is None:  # a run of many digits: not listed
        return interest.needles.items()
    listed, always = basenames
    if len(pieces) < len(listed):
        found = [listed[p] for p in pieces if p in listed]
    else:
        found = [keys for name, keys in listed.items() if name in pieces]
    found.append(always)
    return [(key, interest.needles[key]) for keys in found for key in keys]


def _wants(
    relpath: str,
    module: str,
    data: bytes,
    interest: _Interest,
    basenames: tuple[dict[bytes, list[_Needle]], list[_Needle]] | None = None,
) -> bool:
    """`basenames`: `_by_basename(interest)`."""
    top = module.partition(".")[0].encode()
    packages: dict[bytes, bool] = {}
    for (package, basename), groups in _needles_in(data, interest, basenames):
        if package and package != top:
            mentioned = packages.get(package)
            if mentioned is None:
                mentioned = packages[package] = mentions_word(data, package)
            if not mentioned:
                continue
        if mentions_word(data, basename):
            for group in groups:
                if all(mentions_word(data, word) for word in group):
                    return True
    if interest.fixtures and is_test_filename(relpath) and mentions_any(data, interest.fixtures):
        return True
    return any(imports_word(data, word) for word in interest.importers)


def _project_index(run: _Run) -> tuple[ProjectIndex, IndexParts | None]:
    """The index, and the parts it was built from (theirs now) if it was."""
    modules = {f.module: f for f in run.facts.values()}
    paths = {f.module: rel for rel, f in run.facts.items()}
    parts, run.parts = run.parts, None  # a later round reads facts changed since
    if parts is not None and not parts.fit(modules):
        parts = None
    return ProjectIndex.build(modules, paths, parts), parts


def _expander(run: _Run, index: ProjectIndex, pending: dict[str, list[Function]]) -> Expander:
    """Reads deferred function bodies that mention a name, for the `CallerIndex`.
    `pending`: module -> its functions whose body is deferred (`CallerIndex.deferred`)."""
    idents: dict[str, set[str]] = {}
    for module in pending:
        relpath = index.paths[module]
        known = run.identifiers.get(relpath)
        if known is None:
            known = run.identifiers[relpath] = _names_in(run.data.get(relpath, b""))
        idents[module] = known
    modules_mentioning = _Mentions(idents)

    bodies: dict[str, _Bodies] = {}
    tries: dict[str, int] = {}  # module -> words `_may_mention` looked for in its bytes

    def expand(requests: RequestSet) -> list[str]:
        out: list[str] = []
        asked: dict[str, list[tuple[frozenset[str], str]]] = {}
        for name, owners, home in requests:
            asked.setdefault(name, []).append((owners, home))
        matches: dict[str, list[bytes]] = {}
        for module, names in modules_mentioning(asked):
            known = idents[module]
            found_words = [
                name.encode()
                for name in names
                if any(home == module or not known.isdisjoint(o) for o, home in asked[name])
            ]
            if found_words:
                matches[module] = found_words
        for module, words in matches.items():
            waiting = pending[module]
            data = run.data.get(index.paths[module], b"")
            if module not in run.texts:
                # A few words, a few bodies, a few times a module: more and decoding it
                # once costs less than searching its bytes again and again.
                tried = tries.get(module, 0) + len(words)
                if tried <= _SEARCHES and len(waiting) <= _FEW_BODIES:
                    tries[module] = tried
                    if not _may_mention(data, waiting, words):
                        continue
            lines = _module_text(run, index, module)[1]
            found = bodies.get(module)
            if found is None:
                found = bodies[module] = _Bodies(run.chunks, module, waiting, lines)
            wanted = []
            for func, chunk, mentioned in found.candidates(words):
                if not func.deferred_start:
                    continue
                if any(mentions_word(chunk, w) for w in mentioned):
                    wanted.append(func.qualname)
            if wanted:
                out.extend(_read_bodies(run, index, module, wanted))
        return out

    return expand


def _reader(run: _Run, index: ProjectIndex) -> Reader:
    """Reads the deferred body of one function, for the `CallerIndex` (`CallerIndex.read`)."""

    def read(key: str) -> list[str]:
        ref = index.functions[key]
        return _read_bodies(run, index, ref.module, [ref.func.qualname])

    return read


def _module_text(run: _Run, index: ProjectIndex, module: str) -> tuple[str, list[str]]:
    """A module's decoded text and lines, decoded once per run."""
    if module not in run.texts:
        run.texts[module] = decode_source(run.data.get(index.paths[module], b""))
        run.lines[module] = source_lines(run.texts[module])
    return run.texts[module], run.lines[module]


def _read_bodies(run: _Run, index: ProjectIndex, module: str, qualnames: list[str]) -> list[str]:
    """Extract the deferred bodies of `qualnames` in `module` into its facts and the index;
    the keys of the functions read (nested ones included)."""
    text, lines = _module_text(run, index, module)
    facts = index.modules[module]
    done = expand_deferred(text, facts, qualnames, run.config.thread_apis, lines=lines)
    for qualname in done:
        index.add_function(module, facts.functions[qualname])
    return [f"{module}.{qualname}" for qualname in done]


class _Mentions:
    """Which pending modules mention a name, from each module's identifiers (`idents`:
    module -> words, in module order). Names not asked before are looked up together:
    one pass over the modules' identifier sets (a set operation each), or, once such
    passes cost what indexing every identifier would, from that index (a pass per name,
    or per batch of names, made many files or deep call chains quadratic)."""

    def __init__(self, idents: dict[str, set[str]]) -> None:
        self.idents = idents
        self.where: dict[str, list[str]] = {}  # name -> pending modules that mention it
        self.by_word: dict[str, list[str]] = {}  # the same for every identifier, once built
        self.order = {module: at for at, module in enumerate(idents)}
        self.words = 0  # identifiers of every pending module: what indexing them costs
        self.scans = 0  # passes over every module's identifiers so far

    def __call__(self, names: Iterable[str]) -> list[tuple[str, list[str]]]:
        """The modules that mention one of `names`, in module order, each with the names
        it mentions (in the order of `names`)."""
        asked = list(dict.fromkeys(names))
        where = self.where
        new = [name for name in asked if name not in where]
        if new:
            if not self.words:
                self.words = sum(len(known) for known in self.idents.values()) or 1
            if not self.by_word and _scan_more(self.scans, len(self.idents), self.words):
                self._scan(new)
            else:
                by_word = self._index()
                for name in new:
                    where[name] = by_word.get(name, [])
        out: dict[str, list[str]] = {}
        for name in asked:
            for module in where[name]:
                mentioned = out.get(module)
                if mentioned is None:
                    out[module] = [name]
                else:
                    mentioned.append(name)
        order = self.order
        return sorted(out.items(), key=lambda item: order[item[0]])

    def _scan(self, new: list[str]) -> None:
        self.scans += 1
        where, wanted = self.where, set(new)
        for name in new:
            where[name] = []
        for module, known in self.idents.items():
            if not known.isdisjoint(wanted):
                for name in known & wanted:
                    where[name].append(module)

    def _index(self) -> dict[str, list[str]]:
        by_word = self.by_word
        if not by_word:
            get = by_word.get
            for module, known in self.idents.items():
                for word in known:
                    found = get(word)
                    if found is None:
                        by_word[word] = [module]
                    else:
                        found.append(module)
        return by_word


def _may_mention(data: bytes, waiting: list[Function], words: list[bytes]) -> bool:
    """May a body of `waiting` still deferred mention one of `words`? Answered from the
    bytes, before the file is decoded and split into lines for `_Bodies`: false only
    when sure. In ASCII bytes without `\r` or an encoding cookie, the lines of a body
    are the file's bytes between its line breaks, so a word none of whose occurrences
    lies on a body's lines is in none of them (most modules asked about only mention a
    name where they define it)."""
    if not data.isascii() or b"\r" in data:
        return True
    if may_declare_encoding(data):
        return True  # PEP 263 cookie: the bytes may not read as ASCII
    spans = [(f.deferred_start, f.deferred_end) for f in waiting if f.deferred_start]
    for word in words:
        at = data.find(word)
        line, last = 1, 0
        while at != -1:
            line += data.count(b"\n", last, at)
            last = at
            if any(start <= line <= end for start, end in spans):
                return True
            at = data.find(word, at + 1)
    return False


def _scan_more(scans: int, modules: int, words: int) -> bool:
    """Look one more batch of names up module by module, rather than index the `words`
    identifiers of the `modules`? A scan costs a set operation per module: the index is
    built once the `scans` so far cost what it would, or after `_SCAN_NAMES` scans."""
    return scans < _SCAN_NAMES and scans * modules < words


_FEW_BODIES = 8  # a module with no more deferred bodies is searched, never indexed
_SEARCHES = 8  # requests searching every body of a module before it is indexed
_SCAN_NAMES = 64  # batches of names looked up module by module before indexing them all
_RUN = re.compile(rb"[A-Za-z0-9_]+")
_MAX_DIGITS = 12  # a run with more digits than this is searched, not indexed


class _Bodies:
    """One module's deferred bodies, indexed by the words `mentions_word` can find in
    them once the module has been asked about often, so that a request looks only at
    the bodies that may mention its names: testing every body for every request made one
    big file quadratic. The first few requests search every body (indexing costs more
    than a few searches).

    `mentions_word` takes a match bounded by anything but a letter or `_` (a digit
    counts as a boundary), so in an ASCII body a word made of letters, digits and `_`
    is found only as a piece of a run of those that starts at the run's start or after a
    digit, and ends at its end or before a digit; every such piece is indexed. Bodies
    that are not ASCII (NFKC matching) or have long digit runs are always candidates."""

    def __init__(
        self,
        chunks: dict[tuple[str, str], bytes],
        module: str,
        waiting: list[Function],
        lines: list[str],
    ) -> None:
        """`chunks`: the bodies' bytes by (module, qualname), kept across rounds."""
        self.entries: list[tuple[Function, bytes]] = []
        self.index: dict[bytes, list[int]] | None = None  # built at the request _SEARCHES + 1
        self.always: list[int] = []
        self.searches = 0
        for func in waiting:
            if not func.deferred_start:
                continue
            chunk = chunks.get((module, func.qualname))
            if chunk is None:
                text = "\n".join(lines[func.deferred_start - 1 : func.deferred_end])
                chunk = chunks[module, func.qualname] = text.encode()
            self.entries.append((func, chunk))

    def _build(self) -> dict[bytes, list[int]]:
        index: dict[bytes, list[int]] = {}
        for at, (func, chunk) in enumerate(self.entries):
            if not func.deferred_start:
                continue  # read already: never a candidate again
            keys = _pieces(chunk) if chunk.isascii() else None
            if keys is None:
                self.always.append(at)
                continue
            for key in keys:
                index.setdefault(key, []).append(at)
        return index

    def candidates(self, words: list[bytes]) -> list[tuple[Function, bytes, list[bytes]]]:
        """The bodies that may mention one of `words` (a superset), in file order, each
        with the words it may mention. Every word counts as a search: once `_SEARCHES`
        words have searched every body, the bodies are indexed (a layer of the caller
        walk can ask thousands of names at once: each searching every body of one big
        file was quadratic)."""
        if self.index is None:
            if len(self.entries) <= _FEW_BODIES or self.searches + len(words) <= _SEARCHES:
                self.searches += len(words)
                return [(func, chunk, words) for func, chunk in self.entries]
            self.index = self._build()
        hits: dict[int, list[bytes]] = {at: words for at in self._live(self.always)}
        odd: list[bytes] = []  # words no body's pieces can list: every body may hold them
        for word in words:
            if not (word.isascii() and _RUN.fullmatch(word)):
                odd.append(word)
                continue
            for at in self._live(self.index.get(word, [])):
                found = hits.get(at)
                if found is None:
                    hits[at] = [word]
                elif found is not words:
                    found.append(word)
        if odd:
            for at, (func, _) in enumerate(self.entries):
                if func.deferred_start:
                    found = hits.get(at)
                    if found is None:
                        hits[at] = list(odd)
                    elif found is not words:
                        found.extend(odd)
        return [(*self.entries[at], hits[at]) for at in sorted(hits)]

    def _live(self, at: list[int]) -> list[int]:
        """The bodies of `at` not read yet; those read are dropped from `at` for good (a
        body read is never deferred again), so a name many methods share costs its
        bodies once, not once per method."""
        live = [i for i in at if self.entries[i][0].deferred_start]
        if len(live) != len(at):
            at[:] = live
        return live


def _pieces(chunk: bytes) -> set[bytes] | None:
    """Every piece of `chunk` that `mentions_word` can match (see `_Bodies`); None when
    a run has too many digits to list them."""
    out: set[bytes] = set()
    for match in _RUN.finditer(chunk):
        run = match.group(0)
        digits = [i for i, c in enumerate(run) if 48 <= c <= 57]
        if not digits:
            out.add(run)
            continue
        if len(digits) > _MAX_DIGITS:
            return None
        starts = [0, *(i + 1 for i in digits)]
        ends = [len(run), *digits]
        for a in starts:
            for b in ends:
                if b > a:
                    out.add(run[a:b])
    return out


def _interest(
    run: _Run,
    index: ProjectIndex,
    callers: CallerIndex,
    by_module: dict[str, str],
    in_tests: Callable[[str], bool],
) -> _Interest:
    modules, paths = index.modules, index.paths
    interest = _Interest()
    for module, facts in modules.items():
        for site in facts.sites:
            # Whether a module-level site is import-time code or a script's top level
            # depends on who imports the module: its category does, even for a site whose
            # verdict does not (`callers.traced`).
            if not site.scope and not site.in_main_block and not in_tests(paths[module]):
                interest.importers.add(module.rpartition(".")[2].encode())
    # Direct calls only: following every override of a base-class method would pull in
    # every module that mentions the base class.
    on_path = callers.leading_to_sites(overrides=False, parents=False)
    for key in on_path:
        ref = index.functions[key]
        relpath = paths[ref.module]
        func = ref.func
        simple = func.qualname.rpartition(".")[2]
        if in_tests(relpath):
            if any("fixture" in d for d in func.decorators):
                interest.fixtures.add(simple.encode())
            continue
        owner = func.class_name.rpartition(".")[2]
        if not owner:
            interest.add(ref.module, (simple,))
        elif simple in _CONSTRUCTORS:
            interest.add(ref.module, (owner,))
        elif not simple.startswith("__"):  # other dunders are never called by name
            interest.add(ref.module, (owner, simple))
        for decorator in func.decorators:
            target = _module_of(decorator.removesuffix("()"), by_module)
            if target:
                interest.modules.add(target)
        if func.class_name in index.classes:
            for base in index.classes[func.class_name][1].bases:
                target = _module_of(base, by_module)
                if target:
                    interest.modules.add(target)
    # The project's own loop entries made by a decorator or a helper: the files that make
    # them, and then the files that call what they made (see facts/loop_entries.py).
    generation = index.generation
    makers = entry_makers(index, in_tests)
    for key in makers:
        ref = index.functions[key]
        interest.add(ref.module, (ref.func.qualname.rpartition(".")[2],))
    imported = {name.partition(".")[0] for name in index.imported_names()}
    for maker in KNOWN_MAKERS:
        if maker.partition(".")[0] in imported:  # only when the project uses that library
            interest.add(maker.rpartition(".")[0], (maker.rpartition(".")[2],))
    # A loop runner re-exported by a project module: the files that may call it.
    for module, facts in modules.items():
        if _RUNNERS.isdisjoint(facts.imports.values()):
            continue  # most modules import no runner: asked first, in C
        if in_tests(paths[module]):
            continue  # a test helper's callers are tests
        own = module.partition(".")[0]
        for name, target in facts.imports.items():
            if target not in apis.RUN_APIS:  # most imports: asked first, it is cheapest
                continue
            top = target.partition(".")[0]
            if top in _RUNNER_TOPS and top != own:
                interest.add(module, (name,))
    made = made_callables(index, in_tests, makers)
    if index.generation == generation:  # no function read meanwhile: `_evaluate` may reuse
        run.made = (index, generation, made)
    for dotted in made:
        found = index.split_module(dotted)
        if found is not None:
            interest.add(found[0], tuple(found[1][-2:]))
    # A module that re-exports a function on a path is another way to import it. An
    # import from outside the project names no function of it (`canonical` keeps it).
    tops, canonical = index.tops, index.canonical
    for module, facts in modules.items():
        for local, target in facts.imports.items():
            if target.partition(".")[0] in tops and canonical(target) in on_path:
                interest.add(module, (local,))
    return interest


_RUNNERS = frozenset(apis.RUN_APIS)


def _module_of(dotted: str, by_module: dict[str, str]) -> str:
    parts = dotted.replace("()", "").split(".")
    for i in range(len(parts) - 1, 0, -1):
        relpath = by_module.get(".".join(parts[:i]))
        if relpath:
            return relpath
    return ""


# ---------------------------------------------------------------------- evaluation
def _evaluate(
    run: _Run, index: ProjectIndex, callers: CallerIndex, metadata: list[tuple[str, str]]
) -> Analysis:
    # Calls of a loop runner a project module re-exports are sites too, found only now.
    in_tests = run.in_tests
    reexported = reexported_run_sites(index, callers, in_tests)
    for module, found in reexported.items():
        index.modules[module] = replace(
            index.modules[module], sites=[*index.modules[module].sites, *found]
        )
    modules, paths = index.modules, index.paths
    pytest_config = first_settings(metadata, explicit=bool(run.config.pytest_config))
    python_files = pytest_config.values("python_files") if pytest_config else None
    roles = compute_roles(
        modules,
        paths,
        dict(metadata),
        all_paths=list(run.jobs_by_rel),
        extra_entry_points=run.config.entry_points,
        extra_worker_decorators=run.config.worker_decorators,
        extra_thread_apis=run.config.thread_apis,
        texts=run.data,
        python_files=tuple(python_files) if python_files else DEFAULT_PYTHON_FILES,
        nested=_read_configs(run.discovery.config_files, run.cwd),
        # The test folders `_expand` found, listed from the same files (every file read).
        tests=in_tests if isinstance(in_tests, TestPaths) else None,
    )
    project = Project(
        index=index,
        roles=roles,
        reach=CallGraph(index, roles, callers).build(),
        find_pytest_asyncio=functools.partial(
            detect_pytest_asyncio, metadata, run.discovery.root, run.environment
        ),
        async_used_fixtures=async_used_fixtures(modules, paths, roles.test_modules),
        pytest_config=pytest_config,
        uses_pytest_asyncio=run.uses_pytest_asyncio,
        metadata=metadata,
        run_sync=run.config.helper_import,
        target_version=run.config.target_version,
        abspaths=PathTable({source.relpath: source.path for source in run.discovery.files}),
        top_modules={job.module.partition(".")[0] for job in run.jobs_by_rel.values()},
    )
    project.made_entries = _made_entries(run, index, bool(reexported))
    wrapper_calls = wrapper_call_sites(index, callers, project.made_entries)
    findings: list[Finding] = []
    used: dict[str, dict[int, set[str]]] = {}  # relpath -> line -> codes that hid a finding
    # One pass over every module: its suppression comments, and whether it has a site to
    # judge (most have none: `evaluate_module` would find nothing).
    suppressions: dict[str, dict[int, tuple[str, ...]]] = {}  # relpath -> line -> codes
    judged: list[str] = []
    for module, facts in modules.items():
        if facts.suppressions:
            suppressions[paths[module]] = facts.suppressions
        if facts.sites or module in wrapper_calls:
            judged.append(module)
    for module in sorted(judged):
        facts = modules[module]
        if module in wrapper_calls:  # judged with the file's own sites; the cache keeps these
            facts = replace(facts, sites=[*facts.sites, *wrapper_calls[module]])
        for finding in evaluate_module(project, module, facts):
            if not _suppressed(suppressions, finding, used):
                findings.append(finding)
    # A project finding placed on a line of a module honours that line's comment too.
    findings.extend(f for f in evaluate_project(project) if not _suppressed(suppressions, f, used))
    findings.extend(_unused_suppressions(run, modules, paths, used))
    findings.sort(key=Finding.sort_key)
    errors = sorted({*run.errors, *run.discovery.problems}, key=lambda e: (e.path, e.line))
    result = Result(files_scanned=len(run.discovery.files), findings=findings, parse_errors=errors)
    return Analysis(result=result, project=project, config=run.config, read=run.data)


def _made_entries(run: _Run, index: ProjectIndex, new_sites: bool) -> dict[str, Made]:
    """`made_callables(index, run.in_tests)`: the last expansion round's when nothing it
    reads has changed since: the same index, no function added or re-read (its
    `generation`), no site added (`new_sites`, which `entry_makers` would read)."""
    if run.made is not None and not new_sites:
        kept, generation, made = run.made
        if kept is index and generation == index.generation:
            return made
    return made_callables(index, run.in_tests)


def _read_configs(relpaths: list[str], cwd: Path) -> dict[str, str]:
    """Sub-projects' packaging and pytest files (read as text, never run; a FIFO or a
    device under such a name is passed by)."""
    out: dict[str, str] = {}
    for relpath in relpaths:
        path = cwd / relpath
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                continue
            with path.open("rb") as handle:
                out[relpath] = handle.read(1_000_000).decode("utf-8", "replace")
        except OSError:
            continue
    return out


def _suppressed(
    suppressions: dict[str, dict[int, tuple[str, ...]]],
    finding: Finding,
    used: dict[str, dict[int, set[str]]],
) -> bool:
    """Does a comment on the finding's line hide it? The codes that did are noted in
    `used`, for the unused-suppression check (LS001)."""
    codes = suppressions.get(finding.path, {}).get(finding.line)
    if not codes:
        return False
    hit = {BLANKET if c == "" else c for c in codes if c == "" or finding.code.startswith(c)}
    if hit:
        used.setdefault(finding.path, {}).setdefault(finding.line, set()).update(hit)
    return bool(hit)


def _unused_suppressions(
    run: _Run,
    modules: dict[str, FileFacts],
    paths: dict[str, str],
    used: dict[str, dict[int, set[str]]],
) -> list[Finding]:
    """LS001 for every suppression comment that hid nothing, in every file read: one the
    prefilter never parsed can hold no site, so its suppressions are all unused. Files
    that failed to parse and copies of loopsafe's helper are left alone."""
    from loopsafe.facts.suppressions import suppression_comments
    from loopsafe.rules.catalogue.ls001_unused_suppression import unused_suppressions

    broken = {e.path for e in run.errors}
    parsed = {relpath: module for module, relpath in paths.items() if module in modules}
    out: list[Finding] = []
    for relpath, data in run.data.items():
        if relpath in parsed and not modules[parsed[relpath]].suppressions:
            continue  # parsed: its suppressions are known, and there are none
        if relpath in broken or not _MAYBE_SUPPRESSION.search(data):
            continue
        job = run.jobs_by_rel.get(relpath)
        if is_own_runtime(data, job.abspath if job is not None else relpath):
            continue
        text = decode_source(data)
        comments = suppression_comments(text)
        if not comments:
            continue
        module = parsed.get(relpath) or run.jobs_by_rel[relpath].module
        out.extend(unused_suppressions(relpath, module, text, comments, used.get(relpath, {})))
    return out
