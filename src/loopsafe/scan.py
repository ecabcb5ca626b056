"""Per-file work: read, parse, extract facts. Runs in worker processes; pure and picklable."""

from __future__ import annotations

import functools
import gc
import hashlib
from dataclasses import dataclass
from pathlib import Path

from loopsafe.facts.extract import extract
from loopsafe.facts.model import FileFacts
from loopsafe.parse.source import SourceError, parse_source, read_source

# The code whose output a cached `FileFacts` is: a change to any of it is a new version.
_FACTS_CODE = ("facts", "parse", "scan.py")


@functools.cache
def facts_version(package: Path | None = None) -> str:
    """A digest of the source of the code that makes facts (in `package`, loopsafe's own
    folder by default), so cached facts never outlive a change to it, and survive changes
    to the rules, which only read them."""
    package = package or Path(__file__).parent
    h = hashlib.blake2b(digest_size=8)
    for name in _FACTS_CODE:
        path = package / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(file.relative_to(package).as_posix().encode() + b"\0")
            h.update(file.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Job:
    abspath: str
    relpath: str
    module: str
    is_package: bool
    thread_apis: tuple[str, ...] = ()
    watched: tuple[str, ...] = ()  # APIs whose calls rules judge (`SiteKind.CALL`)
    # (API, keyword, position): watched APIs whose calls are sites only with that argument
    watched_arguments: tuple[tuple[str, str, int], ...] = ()
    defer: bool = True  # leave bodies without a trigger token unread (see `extract`)
    bindings: tuple[str, ...] = ()  # watched APIs whose rules read `bound_names`


@dataclass
class Outcome:
    relpath: str
    digest: str = ""
    facts: FileFacts | None = None
    error_line: int = 0
    error: str = ""


def digest_of(data: bytes, job: Job) -> str:
    """The cache key of a file's facts: its bytes, where it sits and the run's settings."""
    h = hashlib.blake2b(data, digest_size=16)
    h.update(f"\0{facts_version()}\0{job.module}\0{job.is_package}".encode())
    h.update(
        _settings_key(job.thread_apis, job.watched, job.watched_arguments, job.defer, job.bindings)
    )
    return h.hexdigest()


@functools.lru_cache(maxsize=16)
def _settings_key(
    thread_apis: tuple[str, ...],
    watched: tuple[str, ...],
    watched_arguments: tuple[tuple[str, str, int], ...],
    defer: bool,
    bindings: tuple[str, ...],
) -> bytes:
    """The settings' part of `digest_of`, the same for every file of a run, as a digest of
    its own: spelling out ~100 watched API names (2 kB) for each file cost more than
    hashing the file."""
    settings = f"{thread_apis}\0{watched}\0{watched_arguments}\0{defer}\0{bindings}"
    return b"\0" + hashlib.blake2b(settings.encode(), digest_size=16).digest()


def read_bytes(path: str) -> bytes:
    """Never blocks on a FIFO, never loads an oversized file; raises `SourceError`."""
    return read_source(path)


def scan(job: Job, data: bytes | None = None, digest: str | None = None) -> Outcome:
    """Facts for one file, or the one-line reason it could not be analysed. `digest`:
    `digest_of(data, job)` when the caller has it already, "" when no cache wants it."""
    if data is None:
        try:
            data = read_bytes(job.abspath)
        except SourceError as exc:
            return Outcome(job.relpath, error_line=exc.line, error=exc.message)
        if digest:
            digest = None  # the key must name the bytes read here
    outcome = Outcome(job.relpath, digest=digest_of(data, job) if digest is None else digest)
    try:
        parsed = parse_source(data, job.relpath)
        outcome.facts = extract(
            parsed.tree,
            parsed.text,
            job.module,
            job.is_package,
            job.thread_apis,
            defer=job.defer,
            watched=job.watched,
            watched_arguments=job.watched_arguments,
            bindings=job.bindings,
        )
    except SourceError as exc:
        outcome.error_line, outcome.error = exc.line, exc.message
    except RecursionError:
        outcome.error_line, outcome.error = 1, "too deeply nested to analyse"
    except MemoryError:
        outcome.error_line, outcome.error = 1, "too large to analyse"
    return outcome


Work = tuple[Job, bytes, str]  # a job, the bytes the parent read and their digest


def scan_many(batch: list[Work]) -> list[Outcome]:
    """A batch for one worker process, with the bytes the parent read already (no second
    read, which could also see a file changed in between, and no second digest). The
    cyclic GC only slows down building ASTs."""
    gc.disable()
    try:
        return [scan(job, data, digest) for job, data, digest in batch]
    finally:
        gc.enable()
