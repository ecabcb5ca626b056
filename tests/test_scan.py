"""The per-file work of `loopsafe.scan`: its cache key names everything the facts depend
on, and the bytes and key the parent hands a worker are the ones used."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from loopsafe.scan import Job, digest_of, scan, scan_many

SOURCE = b"import asyncio\n\n\ndef main():\n    asyncio.run(work())\n"
OTHER = b"import asyncio\n\n\ndef other():\n    return asyncio.get_event_loop()\n"


def _job(path: Path) -> Job:
    return Job(
        str(path),
        path.name,
        "pkg.mod",
        False,
        thread_apis=("x.y",),
        watched=("asyncio.run", "asyncio.get_event_loop"),
        watched_arguments=(("asyncio.run", "debug", 1),),
        bindings=("asyncio.run",),
    )


def test_the_key_changes_with_every_input_of_the_facts(tmp_path: Path) -> None:
    job = _job(tmp_path / "mod.py")
    key = digest_of(SOURCE, job)
    assert digest_of(SOURCE, replace(job)) == key  # computed again: the same
    variants = [
        replace(job, module="pkg.other"),
        replace(job, is_package=True),
        replace(job, thread_apis=()),
        replace(job, watched=("asyncio.run",)),
        replace(job, watched_arguments=()),
        replace(job, defer=False),
        replace(job, bindings=()),
    ]
    keys = {digest_of(SOURCE, variant) for variant in variants}
    keys.add(digest_of(OTHER, job))
    assert key not in keys and len(keys) == len(variants) + 1


def test_scan_uses_the_key_it_is_given_or_none(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(SOURCE)
    job = _job(path)
    full = scan(job, SOURCE)
    assert full.digest == digest_of(SOURCE, job)
    assert scan(job, SOURCE, "given").digest == "given"
    no_cache = scan(job, SOURCE, "")
    assert no_cache.digest == "" and no_cache.facts == full.facts


def test_a_file_read_by_scan_is_keyed_by_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(OTHER)
    job = _job(path)
    assert scan(job, None, "stale key").digest == digest_of(OTHER, job)
    assert scan(job, None, "").digest == ""


def test_workers_use_the_bytes_the_parent_read(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(OTHER)  # changed on disk after the parent read SOURCE
    job = _job(path)
    [outcome] = scan_many([(job, SOURCE, digest_of(SOURCE, job))])
    assert outcome.facts is not None
    assert "main" in outcome.facts.functions and "other" not in outcome.facts.functions
    assert outcome.digest == digest_of(SOURCE, job)
