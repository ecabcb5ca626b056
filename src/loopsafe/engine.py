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
from pathlib import Path

from loopsafe import __version__
from loopsafe.cache import Cache
from loopsafe.discover.config import Config, load_config
from loopsafe.discover.files import SourceFile, discover
from loopsafe.model import Result

Progress = Callable[[int, int], None]
_METADATA = (
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
    "setup.py",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "dev-requirements.txt",
    "test-requirements.txt",
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
    """Analyse the files under `paths`; paths in the result are relative to `cwd`."""
    cwd = (cwd or Path.cwd()).resolve()
    targets = [p if p.is_absolute() else cwd / p for p in paths] or [cwd]
    if config is None:
        config = load_config(targets[0])
    discovery = discover(targets, config, cwd)
    cache_dir = Path(config.cache_dir)
    if not cache_dir.is_absolute():
        cache_dir = (config.root or discovery.root) / cache_dir
    cache = Cache(cache_dir, enabled=use_cache and config.cache, fingerprint=_code_fingerprint())
    metadata = _metadata_files(targets, discovery.root, cwd)
    run_key = _run_key(discovery.files, metadata, config)
    cached = cache.last_run(run_key)
    if cached is not None:
        return cached
    from loopsafe.pipeline import run_analysis  # the analyser proper, only when needed

    workers = max(1, jobs or config.jobs or os.cpu_count() or 1)
    try:
        result, digests = run_analysis(
            cwd, config, discovery, cache, metadata, workers=workers, progress=progress
        )
    except Exception:
        if not cache.enabled:
            raise
        # Facts from a damaged cache must never decide a run: once more, from source,
        # and the cache is rewritten.
        cache = Cache(cache_dir, fingerprint=_code_fingerprint(), read_facts=False)
        result, digests = run_analysis(
            cwd, config, discovery, cache, metadata, workers=workers, progress=progress
        )
    cache.save(run_key, result, digests)
    return result


def _metadata_files(targets: list[Path], root: Path, cwd: Path) -> list[tuple[str, str]]:
    """Packaging and pytest config files, nearest first, the way pytest looks for them."""
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
    for directory in directories:
        for name in _METADATA:
            path = directory / name
            try:
                if not path.is_file():
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            out.append((_relpath(path, cwd), text))
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
        h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    return h.hexdigest()


def _run_key(files: list[SourceFile], metadata: list[tuple[str, str]], config: Config) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{_code_fingerprint()}\0".encode())
    h.update(repr((config.entry_points, config.worker_decorators, config.thread_apis)).encode())
    h.update(config.run_sync.encode())
    for source in files:
        try:
            st = os.stat(source.abspath)
        except OSError:
            h.update(f"{source.relpath}\0missing\n".encode())
            continue
        h.update(f"{source.relpath}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_ino}\n".encode())
    for relpath, text in metadata:
        h.update(relpath.encode() + b"\0" + hashlib.blake2b(text.encode()).digest())
    return h.hexdigest()
