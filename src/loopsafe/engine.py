"""The analysis entry point: configuration, discovery and the result cache.

`analyse()` is what the CLI, the report and the tests call. A re-run on an unchanged tree
is answered from the cache without importing the analyser at all; otherwise
`loopsafe.pipeline` does the work.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from loopsafe import __version__, gc_policy
from loopsafe.cache import Cache
from loopsafe.discover.config import MAX_CONFIG_BYTES, Config, load_config
from loopsafe.discover.environment import Environment, find_environment
from loopsafe.discover.files import Discovery, DiscoveryError, SourceFile, discover
from loopsafe.discover.pytest_config import PYTEST_CONFIG_NAMES
from loopsafe.model import Finding, Fix, FixSafety, OpKind, Result
from loopsafe.untrusted import read_regular

if TYPE_CHECKING:
    from loopsafe.analysis import Analysis

Progress = Callable[[int, int], None]
_METADATA = (
    *PYTEST_CONFIG_NAMES,
    "setup.py",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "dev-requirements.txt",
    "test-requirements.txt",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "Pipfile.lock",
    "PKG-INFO",  # an sdist: the project's own name and version
)


@dataclass
class _Setup:
    cwd: Path
    config: Config
    discovery: Discovery
    cache: Cache
    metadata: list[tuple[str, str]]
    workers: int
    environment: Environment  # the project's and loopsafe's: verdicts depend on them


def _setup(
    paths: Sequence[Path],
    config: Config | None,
    cwd: Path | None,
    jobs: int | None,
    use_cache: bool,
) -> _Setup:
    cwd = (cwd or Path.cwd()).resolve()
    targets = [p if p.is_absolute() else cwd / p for p in paths] or [cwd]
    if config is None:
        config = load_config(targets[0])
    with gc_policy.paused():
        discovery = discover(targets, config, cwd)
    # The cache must lie in the project (its configuration may come from anyone).
    cache_root = config.root or discovery.root
    cache_dir = cache_root / config.cache_dir
    return _Setup(
        cwd=cwd,
        config=config,
        discovery=discovery,
        cache=Cache(cache_dir, enabled=use_cache and config.cache, root=cache_root),
        metadata=_metadata_files(targets, discovery.root, cwd, config.pytest_config_path(cwd)),
        workers=max(1, jobs or config.jobs or os.cpu_count() or 1),
        environment=find_environment(discovery.root),
    )


def analyse(
    paths: Sequence[Path],
    config: Config | None = None,
    *,
    cwd: Path | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Result:
    """Analyse the files under `paths`; paths in the result are relative to `cwd`. Only
    the findings of the rules `config.select` / `config.ignore` choose are kept."""
    setup = _setup(paths, config, cwd, jobs, use_cache)
    run_key = ""  # without a cache, no stat() of every file for a key no one reads
    if setup.cache.enabled:
        run_key = _run_key(setup.discovery.files, setup.metadata, setup.config, setup.environment)
    result = setup.cache.last_run(run_key)
    if result is None:
        analysis, digests = _run(setup, progress=progress)
        _settle_fixes(analysis, setup.cwd)
        result = analysis.result
        setup.cache.save(run_key, result, digests)
    result.findings = _selected(result.findings, setup.config)
    result.notices = _notices(setup.cache)
    return result


def analyse_project(
    paths: Sequence[Path],
    config: Config | None = None,
    *,
    cwd: Path | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    eager: bool = False,
) -> Analysis:
    """The findings together with the project model behind them, for the fixer. Never
    answered from the whole-run cache (per-file facts are still reused). `eager`: parse
    every file in full, skipping the prefilter and the deferred bodies that only make the
    analysis faster (for tests)."""
    setup = _setup(paths, config, cwd, jobs, use_cache)
    analysis, _ = _run(setup, eager=eager)
    analysis.result.findings = _selected(analysis.result.findings, setup.config)
    analysis.result.notices = _notices(setup.cache)
    return analysis


def _notices(cache: Cache) -> list[str]:
    """What the user should hear about the run: a cache in the tree that was ignored."""
    return [f"cache ignored: {cache.notice}"] if cache.notice else []


def _run(
    setup: _Setup, *, progress: Progress | None = None, eager: bool = False
) -> tuple[Analysis, set[str]]:
    from loopsafe.pipeline import run  # the analyser proper, only when needed

    return run(
        setup.cwd,
        setup.config,
        setup.discovery,
        setup.cache,
        setup.metadata,
        setup.environment,
        workers=setup.workers,
        progress=progress,
        eager=eager,
    )


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Does `--select` / `--ignore` (codes or prefixes; `ALL`) keep rule `code`?"""
    if select and "ALL" not in select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(i) for i in ignore)


# Edits whose success their rule checks: one call rewritten. Others (removing a loop or
# executor left unused, an async twin, a chain of callers) depend on the rest of the code,
# and parsing big files with LibCST for nothing would double a cold scan.
_ONE_CALL_OPS = frozenset(
    {
        OpKind.AWAIT,
        OpKind.AWAIT_FN,
        OpKind.RUN_SYNC,
        OpKind.RUNNING_LOOP,
        OpKind.RENAME_CALL,
        OpKind.LOOP_SCOPE,
        OpKind.CURRENT_LOOP,
        OpKind.INLINE_CURRENT_LOOP,
        OpKind.LOOP_ARGUMENT,
        OpKind.DROP_ARGUMENT,
        OpKind.DROP_SUPPRESSION,  # a comment edited
    }
)


def _settle_fixes(analysis: Analysis, cwd: Path) -> None:
    """A finding offers a fix only if the fixer would make it: the edits are tried (in
    memory) and a fix they cannot make becomes no fix, with the fixer's reason. So the
    counts `check` prints are the fixes `fix` applies."""
    findings = analysis.result.findings
    risky = {path for f in findings for path, op in f.fix.edits if op.kind not in _ONE_CALL_OPS}
    if risky:
        risky = _unproven(findings, analysis, risky)
    if not risky:
        return  # nothing to try: LibCST stays unloaded
    from loopsafe.fix.apply import plan_fixes

    # Every fix touching those files is tried with them: edits of one file land together.
    subset = [f for f in findings if any(path in risky for path, _ in f.fix.edits)]
    trial = replace(analysis, result=replace(analysis.result, findings=subset))
    planned = plan_fixes(trial, unsafe=True, cwd=cwd)
    refused = {
        id(p.finding): p.reason
        for p in planned.skipped
        if p.finding.fix.safety is not FixSafety.NONE
    }
    if refused:
        analysis.result.findings = [
            replace(f, fix=Fix(FixSafety.NONE, reason=refused[id(f)])) if id(f) in refused else f
            for f in analysis.result.findings
        ]


def _unproven(findings: list[Finding], analysis: Analysis, risky: set[str]) -> set[str]:
    """The files among `risky` that hold an edit neither checked by its rule nor proven
    to land by `fix.preflight` (loop drops, in the common shape, are proven)."""
    from loopsafe.fix.preflight import proven_edits
    from loopsafe.parse.source import SourceError, decode_source

    texts: dict[str, str] = {}
    for path in risky:
        data = analysis.read.get(path)
        if data is not None:
            try:
                texts[path] = decode_source(data)
            except SourceError:
                pass
    proven = proven_edits((f for f in findings if f.fix.edits), texts)
    return {
        path
        for f in findings
        for path, op in f.fix.edits
        if op.kind not in _ONE_CALL_OPS and (path, op) not in proven
    }


def _selected(findings: list[Finding], config: Config) -> list[Finding]:
    return [f for f in findings if selected(f.code, config.select, config.ignore)]


def _metadata_files(
    targets: list[Path], root: Path, cwd: Path, pytest_config: Path | None = None
) -> list[tuple[str, str]]:
    """Packaging and pytest config files, nearest first, the way pytest looks for them;
    a `pytest -c` file (`pytest_config`) before them all."""
    directories: list[Path] = []
    for target in targets:
        directory = target if target.is_dir() else target.parent
        try:
            directory = directory.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            directory = directory.absolute()
        while True:
            if directory not in directories:
                directories.append(directory)
            if directory == root or directory.parent == directory or root not in directory.parents:
                break
            directory = directory.parent
    if root not in directories:
        directories.append(root)
    out: list[tuple[str, str]] = []
    if pytest_config is not None:
        data = read_regular(pytest_config, MAX_CONFIG_BYTES)
        if data is None:
            try:
                os.stat(pytest_config)
                reason = "not a regular file of at most 16 MB"
            except OSError as exc:
                reason = exc.strerror or str(exc)
            raise DiscoveryError(
                f"{pytest_config}: cannot read the pytest configuration: {reason}"
            ) from None
        out.append((_relpath(pytest_config, cwd), data.decode("utf-8", "replace")))
    for directory in directories:
        for name in _METADATA:
            path = directory / name
            # Only regular files, bounded: a FIFO or /dev/zero shipped as one is skipped.
            data = read_regular(path, MAX_CONFIG_BYTES)
            if data is not None:
                out.append((_relpath(path, cwd), data.decode("utf-8", "replace")))
    return out


def _relpath(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


@functools.cache
def _code_fingerprint() -> str:
    """loopsafe's own modules (path, mtime, size): an edited checkout never reuses a cache."""
    h = hashlib.blake2b(digest_size=8)
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_size}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _run_key(
    files: list[SourceFile],
    metadata: list[tuple[str, str]],
    config: Config,
    environment: Environment,
) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{_code_fingerprint()}\0".encode())
    # What the verdicts read from outside the tree's files: installing pytest-asyncio in
    # the project's .venv (or next to loopsafe) or another Python is a new run.
    h.update(environment.key().encode() + b"\0")
    h.update(repr((config.entry_points, config.worker_decorators, config.thread_apis)).encode())
    h.update(f"{config.helper_import}\0{config.target_version}".encode())
    for source in files:
        try:
            st = os.stat(source.path)
        except OSError:
            h.update(f"{source.relpath}\0missing\n".encode("utf-8", "surrogateescape"))
            continue
        h.update(
            f"{source.relpath}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_ino}\n".encode(
                "utf-8", "surrogateescape"
            )
        )
    for relpath, text in metadata:
        h.update(
            relpath.encode("utf-8", "surrogateescape")
            + b"\0"
            + hashlib.blake2b(text.encode("utf-8", "surrogateescape")).digest()
        )
    return h.hexdigest()
