"""Per-file work: read, parse, extract facts. Runs in worker processes; pure and picklable."""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass

from loopsafe.facts.extract import extract
from loopsafe.facts.model import FileFacts
from loopsafe.parse.source import SourceError, parse_source, read_source

FACTS_VERSION = "1"  # bump when FileFacts or extraction changes, to invalidate caches


@dataclass(frozen=True)
class Job:
    abspath: str
    relpath: str
    module: str
    is_package: bool
    thread_apis: tuple[str, ...] = ()


@dataclass
class Outcome:
    relpath: str
    digest: str = ""
    facts: FileFacts | None = None
    error_line: int = 0
    error: str = ""


def digest_of(data: bytes, job: Job) -> str:
    h = hashlib.blake2b(data, digest_size=16)
    h.update(f"\0{FACTS_VERSION}\0{job.module}\0{job.is_package}\0{job.thread_apis}".encode())
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
            parsed.tree, parsed.text, job.module, job.is_package, job.thread_apis, defer=True
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
