"""`loopsafe tests [PATH...]`: sort a test suite into unit / integration / e2e.

Exit status: 0 normally; 1 when a test file could not be parsed (it is reported and
skipped, as `check` does) or `--apply-markers` could not mark or write a file; 2 with one
line on stderr for bad usage or a configuration that cannot be read or edited. Never a
traceback, unless `--verbose` and an internal error.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from loopsafe.guard import fail, run_guarded
from loopsafe.model import ParseError
from loopsafe.testsort.model import Category, FileResult

if TYPE_CHECKING:
    from loopsafe.discover.config import Config
    from loopsafe.testsort.classify import Outcome
    from loopsafe.testsort.pytestconfig import PytestConfig

EXIT_OK, EXIT_PROBLEMS = 0, 1


def _rel(path: Path, cwd: Path) -> str:
    text, base = os.path.abspath(path), os.path.abspath(cwd).rstrip(os.sep) + os.sep
    rel = text[len(base) :] if text.startswith(base) else text
    return rel.replace(os.sep, "/")


def _default_targets(cwd: Path, explicit: Path | None = None) -> list[Path]:
    """No PATH: what `pytest` run here collects, its `testpaths` when this is the rootdir."""
    from loopsafe.testsort.pytestconfig import ConfigFinder

    config = ConfigFinder(cwd, explicit).for_dir(cwd)
    if config.path is not None and config.rootdir == cwd.absolute() and not config.error:
        found = [
            Path(match)
            for pattern in config.get("testpaths")
            for match in sorted(glob.glob(pattern, root_dir=cwd))
        ]
        if found:
            return found
    return [Path(".")]


def _top(path: Path, tops: Sequence[Path]) -> Path:
    """The directory given on the command line that `path` was found under."""
    best = path.parent
    for top in tops:
        if top in path.parents and (best == path.parent or len(top.parts) > len(best.parts)):
            best = top
    return best


def categorize(
    targets: Sequence[Path], cwd: Path, config: Config
) -> tuple[Outcome, list[ParseError]]:
    """Sort the test files under `targets`: the outcome, and the test files that could not
    be read (raises `DiscoveryError` for a missing path). Used by the report too."""
    from loopsafe.discover.files import discover
    from loopsafe.facts.roles import is_test_filename
    from loopsafe.testsort.classify import classify_files
    from loopsafe.testsort.pytestconfig import ConfigFinder

    discovery = discover(list(targets), config, cwd)
    absolute = [Path(os.path.abspath(cwd / t)) for t in targets]
    explicit = {p for p in absolute if p.is_file()}
    tops = [p for p in absolute if p.is_dir()]
    files = [
        (f.abspath, Path(os.path.abspath(f.abspath)) in explicit, _top(f.abspath, tops))
        for f in discovery.files
    ]
    outcome = classify_files(files, cwd, ConfigFinder(cwd, config.pytest_config_path(cwd)))
    problems = [p for p in discovery.problems if is_test_filename(p.path)]
    return outcome, problems


@click.command("tests")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="A table for people (rich on a terminal) or the SPEC's JSON.",
)
@click.option(
    "--apply-markers",
    is_flag=True,
    help="Add `pytestmark = pytest.mark.<category>` to each unmarked file and register "
    "the markers in the pytest configuration.",
)
@click.option(
    "--exclude", multiple=True, help="Skip files matching this gitignore-style glob (repeatable)."
)
@click.option(
    "--pytest-config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Use this pytest configuration file, as `pytest -c FILE` does (its directory is "
    "the rootdir), instead of the nearest one.",
)
@click.option("--verbose", is_flag=True, help="Show tracebacks of internal errors.")
def tests_command(
    paths: tuple[Path, ...],
    fmt: str,
    apply_markers: bool,
    exclude: tuple[str, ...],
    pytest_config: Path | None,
    verbose: bool,
) -> None:
    """Sort the test files under PATHS (default: what pytest collects here) into unit,
    integration and e2e tests, with the evidence for each: mocks and pure logic are
    unit; real databases, caches, brokers, containers and API keys are integration;
    browsers and running servers are e2e. Fixtures are followed through conftest.py.
    Existing markers are respected; one that contradicts the evidence is reported.
    """
    run_guarded(verbose, lambda: _run(paths, fmt, apply_markers, exclude, pytest_config))


def _run(
    paths: Sequence[Path],
    fmt: str,
    apply_markers: bool,
    exclude: Sequence[str],
    pytest_config: Path | None = None,
) -> int:
    from loopsafe.discover.config import ConfigError, load_config
    from loopsafe.discover.files import DiscoveryError
    from loopsafe.fsnames import escape_json, printable
    from loopsafe.testsort.render import render_json, render_text

    cwd = Path.cwd()
    for target in paths:
        if not (cwd / target).exists() and not (cwd / target).is_symlink():
            fail(f"{target}: no such file or directory")
    if pytest_config is not None and not (cwd / pytest_config).is_file():
        fail(f"--pytest-config: {pytest_config}: no such file")
    explicit = Path(os.path.abspath(cwd / pytest_config)) if pytest_config else None
    targets = list(paths) or _default_targets(cwd, explicit)
    try:
        config = load_config(cwd / targets[0])
    except ConfigError as exc:
        fail(str(exc))
    if exclude:
        config = config.merged(extend_exclude=config.extend_exclude + tuple(exclude))
    if explicit is not None:
        config = config.merged(pytest_config=str(explicit))
    try:
        outcome, discovery_problems = categorize(targets, cwd, config)
    except DiscoveryError as exc:
        fail(str(exc))
    problems: list[ParseError] = discovery_problems + outcome.parse_errors
    for message in sorted({c.error for c in outcome.configs.values() if c.error}):
        click.echo(f"loopsafe: warning: {message}; using pytest's defaults", err=True)

    report: list[str] = []
    failed = False
    if apply_markers:
        report, failed = _apply(outcome.files, outcome.configs, cwd)
    shown = [_rel(p, cwd) if p.is_absolute() else p.as_posix() for p in paths]
    if fmt == "json":
        click.echo(escape_json(render_json(outcome.files)))
        for line in report:
            click.echo(printable(line), err=True)
        for problem in problems:
            click.echo(
                printable(
                    f"{problem.path}:{max(problem.line, 1)}: could not parse, skipped: "
                    f"{problem.message}"
                ),
                err=True,
            )
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render_text(outcome.files, problems, shown, applied=apply_markers, color=color)
        click.echo(printable(text))
        if report:
            click.echo("")
            for line in report:
                click.echo(printable(line))
    return EXIT_PROBLEMS if problems or failed else EXIT_OK


def _apply(
    files: Sequence[FileResult], configs: Mapping[str, PytestConfig], cwd: Path
) -> tuple[list[str], bool]:
    """Plan every edit, then write: a configuration that cannot be edited stops the run
    before any file changes."""
    from loopsafe.atomic import write_atomic
    from loopsafe.testsort.apply import FileEdit, MarkerError, plan_marker
    from loopsafe.testsort.pytestconfig import Edit, PytestConfigError, plan_registration

    lines: list[str] = []
    failed = False
    marks: list[tuple[FileResult, FileEdit]] = []
    for result in files:
        if result.declared is not None:
            continue
        try:
            planned = plan_marker(result.abspath, result.path, result.category)
        except MarkerError as exc:
            lines.append(
                f"{result.path}: not marked: {exc}; add `pytest.mark.{result.category.value}` by hand"
            )
            failed = True
            continue
        if planned is not None:
            marks.append((result, planned))
    groups: dict[Path, tuple[PytestConfig, set[Category]]] = {}
    for result in files:
        config = configs[result.path]
        key = config.path if config.path is not None else config.rootdir / "pyproject.toml"
        groups.setdefault(key, (config, set()))[1].add(result.category)
    registrations: list[Edit] = []
    for config, categories in groups.values():
        try:
            edit = plan_registration(config, categories)
        except PytestConfigError as exc:
            fail(f"{exc} (nothing was changed)")
        if edit is not None:
            registrations.append(edit)

    def written_to(path: Path, data: bytes, where: str) -> bool:
        nonlocal failed
        try:
            write_atomic(path, data)
        except OSError as exc:
            lines.append(f"{where}: cannot write: {exc.strerror or exc}")
            failed = True
            return False
        return True

    written = 0
    for result, mark_edit in marks:
        if written_to(mark_edit.path, mark_edit.new, result.path):
            written += 1
            result.markers.append(result.category.value)
            lines.append(f"{result.path}: added pytestmark = pytest.mark.{result.category.value}")
    for edit in registrations:
        where = _rel(edit.path, cwd)
        if written_to(edit.path, edit.new, where):
            verb = "created, registering" if edit.old is None else "registered"
            lines.append(f"{where}: {verb} the markers {', '.join(edit.added)}")
    if not written and not registrations and not failed:
        lines.append("Markers already in place: nothing to change.")
    return lines, failed
