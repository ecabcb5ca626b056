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
    h = hashlib.blake2b(data, digest_size=16)
    h.update(f"\0{facts_version()}\0{job.module}\0{job.is_package}".encode())
    h.update(f"\0{job.thread_apis}\0{job.watched}\0{job.watched_arguments}".encode())
    h.update(f"\0{job.defer}\0{job.bindings}".encode())
    return h.hexdigest()


def read_bytes(path: str) -> bytes:
    """Never blocks on a FIFO, never loads an oversized file; raises `SourceError`."""
    return read_source(path)


def scan(job: Job, data: bytes | None = None) -> Outcome:
    """Facts for one file, or the one-line reason it could not be analysed."""
    if data is None:
        try:
            data = read_bytes(job.abspath)
        except SourceError as exc:
            return Outcome(job.relpath, error_line=exc.line, error=exc.message)
    outcome = Outcome(job.relpath, digest=digest_of(data, job))
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


def scan_many(jobs: list[Job]) -> list[Outcome]:
    """A batch for one worker process. The cyclic GC only slows down building ASTs."""
    gc.disable()
    try:
        return [scan(job) for job in jobs]
    finally:
        gc.enable()
