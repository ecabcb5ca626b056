"""`loopsafe tests [PATH...]`: sort a test suite into unit / integration / e2e.

Exit status: 0 normally; 1 when a test file could not be parsed (it is reported and
skipped, as `check` does) or `--apply-markers` could not mark or write a file (0 with
`--exit-zero`); 2 with one line on stderr for bad usage or a configuration that cannot be
read or edited. Never a traceback, unless `--verbose` and an internal error.
"""

from __future__ import annotations

import glob
import os
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
    help="A table for people (rich on a terminal) or loopsafe's versioned JSON.",
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
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read [tool.loopsafe] from this pyproject.toml instead of searching upwards.",
)
@click.option(
    "--output-file",
    "-o",
    "output_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the results to this file (atomically, once the run is done) instead of "
    "standard output.",
)
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Colour the table: `auto` when writing to a terminal, unless NO_COLOR is set or "
    "TERM=dumb (FORCE_COLOR forces it).",
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even when files could not be parsed or marked."
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print nothing (an --output-file is still written); report through the exit status.",
)
@click.option("--verbose", is_flag=True, help="Show tracebacks of internal errors.")
def tests_command(
    paths: tuple[Path, ...],
    fmt: str,
    apply_markers: bool,
    exclude: tuple[str, ...],
    pytest_config: Path | None,
    config_file: Path | None,
    output_file: Path | None,
    color: str,
    exit_zero: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Sort the test files under PATHS (default: what pytest collects here) into unit,
    integration and e2e tests, with the evidence for each: mocks and pure logic are
    unit; real databases, caches, brokers, containers and API keys are integration;
    browsers and running servers are e2e. Fixtures are followed through conftest.py.
    Existing markers are respected; one that contradicts the evidence is reported.
    """
    shown = Shown(output_file, color, quiet)

    def body() -> int:
        code = _run(paths, fmt, apply_markers, exclude, pytest_config, config_file, shown)
        shown.close()
        return EXIT_OK if exit_zero else code

    run_guarded(verbose, body)


class Shown:
    """Where the results go (standard output or --output-file), coloured or not, or
    nowhere with --quiet."""

    def __init__(self, path: Path | None = None, color: str = "auto", quiet: bool = False):
        from loopsafe.output.destination import Destination

        self.out = Destination(path, quiet=quiet)
        self.color = color
        self.quiet = quiet

    def echo(self, text: str = "") -> None:
        self.out.echo(text)

    def colored(self) -> bool:
        from loopsafe.output.color import use_color

        return use_color(self.color, self.out.stream)

    def close(self) -> None:
        try:
            self.out.close()
        except OSError as exc:
            fail(f"{self.out.path}: cannot write: {exc.strerror or exc}")


def _run(
    paths: Sequence[Path],
    fmt: str,
    apply_markers: bool,
    exclude: Sequence[str],
    pytest_config: Path | None = None,
    config_file: Path | None = None,
    shown: Shown | None = None,
) -> int:
    from loopsafe.discover.config import ConfigError, load_config
    from loopsafe.discover.files import DiscoveryError
    from loopsafe.fsnames import escape_json, printable
    from loopsafe.output.destination import check_output_file
    from loopsafe.testsort.render import render_json, render_text
    from loopsafe.transaction import project_root, recover

    shown = shown or Shown()
    cwd = Path.cwd()
    for target in paths:
        if not (cwd / target).exists() and not (cwd / target).is_symlink():
            fail(f"{target}: no such file or directory")
    if pytest_config is not None and not (cwd / pytest_config).is_file():
        fail(f"--pytest-config: {pytest_config}: no such file")
    check_output_file(shown.out.path)
    explicit = Path(os.path.abspath(cwd / pytest_config)) if pytest_config else None
    targets = list(paths) or _default_targets(cwd, explicit)
    root = project_root(cwd / targets[0], cwd)
    recovered = recover(root)  # a fix an earlier run left half written
    if recovered:
        click.echo(recovered, err=True)
    try:
        config = load_config(cwd / targets[0], config_file)
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
        report, failed = _apply(outcome.files, outcome.configs, cwd, root)
    named = [_rel(p, cwd) if p.is_absolute() else p.as_posix() for p in paths]
    if fmt == "json":
        shown.echo(escape_json(render_json(outcome.files)))
        if not shown.quiet:
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
        text = render_text(
            outcome.files, problems, named, applied=apply_markers, color=shown.colored()
        )
        shown.echo(printable(text))
        if report:
            shown.echo("")
            for line in report:
                shown.echo(printable(line))
    return EXIT_PROBLEMS if problems or failed else EXIT_OK


def _apply(
    files: Sequence[FileResult], configs: Mapping[str, PytestConfig], cwd: Path, root: Path
) -> tuple[list[str], bool]:
    """Plan every edit, then write them as one transaction (`loopsafe.transaction`): a
    configuration that cannot be edited, or a file changed meanwhile, stops the run before
    any file changes. A test file that must not be written (read-only, outside the project
    root `root`) is left unmarked, saying why."""
    from loopsafe.testsort.apply import FileEdit, MarkerError, plan_marker
    from loopsafe.testsort.pytestconfig import Edit, PytestConfigError, plan_registration
    from loopsafe.transaction import TransactionError, Write, commit, write_problem

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
        problem = write_problem(planned.path, root) if planned is not None else ""
        if problem and planned is not None:
            shown = problem.replace(os.fsdecode(planned.path), result.path, 1)
            lines.append(f"{result.path}: not marked: {shown}")
            failed = True
        elif planned is not None:
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
            problem = write_problem(edit.path, root)
            if problem:
                fail(f"{problem} (nothing was changed)")
            registrations.append(edit)
    writes = [Write(e.path, e.new, e.old, r.path) for r, e in marks]
    writes += [Write(e.path, e.new, e.old, _rel(e.path, cwd)) for e in registrations]
    try:
        commit(writes, root)
    except TransactionError as exc:
        fail(str(exc))
    for result, _ in marks:
        result.markers.append(result.category.value)
        lines.append(f"{result.path}: added pytestmark = pytest.mark.{result.category.value}")
    for edit in registrations:
        verb = "created, registering" if edit.old is None else "registered"
        lines.append(f"{_rel(edit.path, cwd)}: {verb} the markers {', '.join(edit.added)}")
    if not marks and not registrations and not failed:
        lines.append("Markers already in place: nothing to change.")
    return lines, failed
