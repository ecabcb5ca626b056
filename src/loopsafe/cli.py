"""The `loopsafe` command line.

Exit status (SPEC): 0 nothing actionable; 1 actionable findings or files that could not
be parsed; 2 bad usage, bad configuration or an internal error — always one line on
stderr, never a traceback unless `--verbose`.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from loopsafe import __version__
from loopsafe.fsnames import printable
from loopsafe.guard import environment_error, fail, run_guarded
from loopsafe.output import OUTPUT_FORMATS
from loopsafe.output.color import COLOR_CHOICES
from loopsafe.output.destination import Destination, check_output_file

if TYPE_CHECKING:
    from loopsafe.discover.config import Config

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DEFAULT_BASELINE = "loopsafe-baseline.json"  # loopsafe.baseline.DEFAULT_PATH, without the import
_FORMATS = ("text", "json", "sarif", "github")
_T = TypeVar("_T")


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().upper()
            if part:
                out.append(part)
    return tuple(out)


def _check_codes(codes: Sequence[str], where: str) -> None:
    from loopsafe.rules.registry import rule_codes

    known = rule_codes()
    for code in codes:
        if code != "ALL" and not any(k.startswith(code) for k in known):
            fail(f"{where}: unknown rule code or prefix '{code}' (see `loopsafe rule --all`)")


class _Progress:
    """A progress bar on stderr, shown only on a TTY that can move the cursor and only once
    a scan passes ~1 s; coloured as `--color` says for stderr."""

    def __init__(self, enabled: bool, color: bool = True) -> None:
        from loopsafe.output.color import is_dumb_terminal

        self.enabled = enabled and not is_dumb_terminal()
        self.color = color
        self.start = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("loopsafe: analysing"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True, no_color=not self.color),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("scan", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def main() -> None:
    """The console script: click's usage errors become one line, as every other error."""
    from loopsafe import gc_policy, streams

    gc_policy.short_lived_process()  # the model's objects need no walking at the end
    streams.prepare()  # closed fds, unencodable names, a reader that leaves: see streams.py
    try:
        cli.main(prog_name="loopsafe", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `loopsafe`: the help, as click does
        click.echo(exc.format_message(), err=True)
        sys.exit(EXIT_ERROR)
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        click.echo(f"loopsafe: error: {exc.format_message()}{hint}", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        click.echo(f"loopsafe: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except click.Abort:
        click.echo("loopsafe: interrupted", err=True)
        sys.exit(130)
    except _ReaderLeft as exc:  # the help or the version, and the reader left: 141
        sys.exit(environment_error(exc.error))
    except OSError as exc:  # writing the help or a usage error: stdout closed, say
        sys.exit(environment_error(exc))
    sys.exit(EXIT_CLEAN)


class _ReaderLeft(Exception):
    """EPIPE while click parses (`--help`, `--version`): click would catch it and exit 1,
    so it is carried past click to `main`, which ends as every command does when the
    reader of stdout leaves (exit 141, nothing printed)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _past_click(call: Callable[[], _T]) -> _T:
    try:
        return call()
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise _ReaderLeft(exc) from None
        raise


class _LazyGroup(click.Group):
    """Commands defined in other packages are imported only when used, so `loopsafe check`
    starts as fast as it can."""

    lazy: ClassVar[dict[str, str]] = {"tests": "loopsafe.testsort.command:tests_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module, _, name = self.lazy[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)

    # Every write happens below these two: `loopsafe --help` in the first, a command and
    # its own `--help` in the second.
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        return _past_click(
            lambda: super(_LazyGroup, self).make_context(info_name, args, parent, **extra)
        )

    def invoke(self, ctx: click.Context) -> Any:
        return _past_click(lambda: super(_LazyGroup, self).invoke(ctx))


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="loopsafe")
def cli() -> None:
    """Find, explain and fix the places where Python code enters an asyncio event loop in
    the wrong context: `asyncio.run()` inside a coroutine, `get_event_loop()` where
    `get_running_loop()` belongs, sync wrappers that break under pytest-asyncio, notebooks
    and ASGI servers.

    \b
    Start with:  loopsafe check .
    Explain one: loopsafe rule LS101
    """


@dataclass(frozen=True)
class Options:
    """What the analysing commands were asked, each option defined once (`_OPTIONS`)."""

    paths: tuple[Path, ...] = ()
    fmt: str = "text"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    show_ok: bool | None = None
    statistics: bool = False
    jobs: int | None = None
    no_cache: bool = False
    exit_zero: bool = False
    quiet: bool = False
    config_file: Path | None = None
    pytest_config: Path | None = None
    verbose: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    run_sync_import: str | None = None
    target_version: str | None = None
    output_format: str | None = None
    output_file: Path | None = None
    color: str = "auto"


_OPTIONS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "paths": click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
    "fmt": click.option(
        "--format",
        "fmt",
        type=click.Choice(_FORMATS),
        default="text",
        show_default=True,
        help="Output format: ruff-like text, loopsafe's versioned JSON, SARIF 2.1.0, or GitHub "
        "annotations.",
    ),
    "output_format": click.option(
        "--output-format",
        "output_format",
        type=click.Choice(OUTPUT_FORMATS),
        help="The style of --format text, as ruff's: `full` shows each finding's whole message, "
        "its call path and the source lines around it; `concise` one line per finding "
        "[default: output-format in [tool.loopsafe], else full].",
    ),
    "output_file": click.option(
        "--output-file",
        "-o",
        "output_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Write the results to this file (atomically, once the run is done) instead of "
        "standard output.",
    ),
    "color": click.option(
        "--color",
        type=click.Choice(COLOR_CHOICES),
        default="auto",
        show_default=True,
        help="Colour the text output and the progress bar: `auto` when writing to a terminal, "
        "unless NO_COLOR is set or TERM=dumb (FORCE_COLOR forces it).",
    ),
    "select": click.option(
        "--select", multiple=True, help="Only these rule codes or prefixes (LS1, LS101,...)."
    ),
    "ignore": click.option(
        "--ignore", multiple=True, help="Leave out these rule codes or prefixes."
    ),
    "exclude": click.option(
        "--exclude",
        multiple=True,
        help="Skip files matching this gitignore-style glob (repeatable).",
    ),
    "show_ok": click.option(
        "--show-ok", is_flag=True, default=None, help="Also list accepted sites."
    ),
    "statistics": click.option(
        "--statistics", is_flag=True, help="Count findings per rule instead of listing them."
    ),
    "jobs": click.option(
        "--jobs", "-j", type=click.IntRange(min=1), help="Worker processes [default: CPUs]."
    ),
    "no_cache": click.option(
        "--no-cache", is_flag=True, help="Neither read nor write the result cache."
    ),
    "exit_zero": click.option(
        "--exit-zero", is_flag=True, help="Exit 0 even when there are findings."
    ),
    "quiet": click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Print nothing (an --output-file is still written); report through the exit status.",
    ),
    "config_file": click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Read [tool.loopsafe] from this pyproject.toml instead of searching upwards.",
    ),
    "pytest_config": click.option(
        "--pytest-config",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Judge the pytest set-up by this configuration file, as `pytest -c FILE` does, "
        "instead of the first one found from the analysed directory upwards.",
    ),
    "verbose": click.option("--verbose", is_flag=True, help="Show tracebacks of internal errors."),
    "unsafe_fixes": click.option(
        "--unsafe-fixes",
        is_flag=True,
        help="With --fix or --diff: also apply unsafe fixes (they may change behaviour).",
    ),
    "diff": click.option(
        "--diff",
        is_flag=True,
        help="Print the fixes as a unified diff and write nothing (exit 1 if it would change "
        "anything or findings remain, as check).",
    ),
    "run_sync_import": click.option(
        "--run-sync-import",
        metavar="auto|vendor|MODULE:NAME",
        help="Where fixes import run_sync from: `auto` (loopsafe when the project depends on "
        "it, else a copy written into its package as _loopsafe_runtime.py), `vendor` (always "
        "that copy) or a module of your own [default: auto].",
    ),
    "target_version": click.option(
        "--target-version",
        metavar="py3XX",
        help="The newest Python the code must run on (py314); verdicts and fixes about what "
        "breaks on upgrade use it [default: the newest requires-python admits].",
    ),
}


_NO_BASELINE = click.option(
    "--no-baseline",
    is_flag=True,
    help="Ignore `baseline` in [tool.loopsafe]: every finding counts (to fix the ones it "
    "records, say).",
)


def _with_options(*names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the named shared options (all of them when none are named), packed
    into one `Options` argument; its own options stay keyword arguments."""
    chosen = names or tuple(_OPTIONS)

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(func)
        def command(**kwargs: Any) -> None:
            shared = {name: kwargs.pop(name) for name in chosen}
            func(Options(**shared), **kwargs)

        wrapped: Callable[..., None] = command
        for name in reversed(chosen):
            wrapped = _OPTIONS[name](wrapped)
        return wrapped

    return decorate


@dataclass
class _Request:
    cwd: Path
    targets: list[Path]
    config: Config  # with the command line's --select, --ignore, --exclude... merged in
    options: Options
    out: Destination  # standard output, or --output-file
    told: set[str] = field(default_factory=set)  # the notices already printed

    def finish(self, code: int) -> int:
        """Write --output-file (the run went through), and pass the exit status on."""
        _close(self.out)
        return code


def _close(out: Destination) -> None:
    try:
        out.close()
    except OSError as exc:
        fail(f"{out.path}: cannot write: {exc.strerror or exc}")


def _prepare(options: Options) -> _Request:
    from loopsafe.discover.config import (
        ConfigError,
        check_helper_import,
        check_target,
        load_config,
    )

    cwd = Path.cwd()
    targets = list(options.paths) or [Path(".")]
    for target in targets:
        if not (cwd / target).exists() and not target.is_symlink():
            fail(f"{target}: no such file or directory")
    check_output_file(options.output_file)
    if options.statistics and options.fmt not in ("text", "json"):
        # as ruff: SARIF and annotations are per finding, with no summary form
        fail(f"--statistics works with --format text or json, not {options.fmt}")
    _recover(cwd / targets[0])
    try:
        config = load_config(cwd / targets[0], options.config_file)
    except ConfigError as exc:
        fail(str(exc))
    chosen: dict[str, tuple[str, ...]] = {}
    for option, given, configured in (
        ("select", options.select, config.select),
        ("ignore", options.ignore, config.ignore),
    ):
        where = f"--{option}" if given else f"{config.source}: [tool.loopsafe] {option}"
        chosen[option] = _codes(given) or _codes(configured)
        _check_codes(chosen[option], where)
    pytest_config = options.pytest_config
    if pytest_config is not None and not (cwd / pytest_config).is_file():
        fail(f"--pytest-config: {pytest_config}: no such file")
    try:
        if options.run_sync_import is not None:
            check_helper_import(options.run_sync_import, "--run-sync-import")
        if options.target_version is not None:
            check_target(options.target_version, "--target-version")
    except ConfigError as exc:
        fail(str(exc))
    exclude = options.exclude
    config = config.merged(
        run_sync_import=options.run_sync_import,
        target_version=options.target_version,
        select=chosen["select"],
        ignore=chosen["ignore"],
        extend_exclude=config.extend_exclude + exclude if exclude else None,
        show_ok=options.show_ok,
        pytest_config=str((cwd / pytest_config).absolute()) if pytest_config else None,
    )
    out = Destination(options.output_file, quiet=options.quiet)
    return _Request(cwd, targets, config, options, out)


@cli.command()
@_with_options()
@click.option(
    "--fix", is_flag=True, help="Apply the safe fixes in place (see also --unsafe-fixes)."
)
@click.option(
    "--add-noqa",
    is_flag=True,
    help="Add a `# loopsafe: ignore[CODE]` comment for every finding (merged into the "
    "line's own suppression comment), write nothing else, exit 0.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    help="Report (with --fix or --diff, fix) only findings not recorded in this baseline "
    "file (JSON); with --write-baseline, write it there [default: `baseline` in "
    "[tool.loopsafe], else "
    f"{DEFAULT_BASELINE} when writing].",
)
@click.option(
    "--write-baseline",
    is_flag=True,
    help="Record every current finding in the baseline file (findings fixed since drop "
    "out), report nothing, exit 0.",
)
@_NO_BASELINE
def check(
    options: Options,
    fix: bool,
    add_noqa: bool,
    baseline_file: Path | None,
    write_baseline: bool,
    no_baseline: bool,
) -> None:
    """Analyse PATHS (default: the current directory) and report every event-loop site.

    Each site gets a category (where it runs) and an action: `fix`, `review` or `ok`.
    Text output lists what needs attention; JSON lists every site. `--fix` applies the
    safe fixes (`--unsafe-fixes` the others too), `--diff` shows them without writing.
    On a codebase with many findings, suppress each one in place with a comment, or
    record them all in a baseline file and then report only new ones (options below).
    Exit status: 0 nothing to fix or review, 1 findings or unparsable files (with --diff
    too: also when it would change files), 2 bad usage, configuration or an internal error.
    """

    def body() -> int:
        modes = [
            name
            for name, on in (
                ("--fix", fix),
                ("--diff", options.diff),
                ("--add-noqa", add_noqa),
                ("--write-baseline", write_baseline),
            )
            if on
        ]
        if len(modes) > 1:
            fail(f"{' and '.join(modes)} cannot be used together")
        if write_baseline and no_baseline:
            fail("--write-baseline and --no-baseline cannot be used together")
        request = _prepare(options)
        chosen = _baseline_path(request, baseline_file, no_baseline)
        if fix or options.diff:
            return request.finish(_fix(request, baseline_file=chosen))
        if add_noqa:
            return request.finish(_add_noqa(request, chosen))
        if write_baseline:
            return request.finish(_write_baseline(request, chosen or Path(DEFAULT_BASELINE)))
        if chosen is not None:
            return request.finish(_report_against(request, chosen))
        return request.finish(_report(request))

    run_guarded(options.verbose, body)


@cli.command("fix")
@_with_options()
@click.option(
    "--report",
    "report_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the audit report for the fixes just applied (.json: JSON, else Markdown).",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    help="Leave the findings recorded in this baseline file (JSON) as they are: neither "
    "fixed nor reported [default: `baseline` in [tool.loopsafe]].",
)
@_NO_BASELINE
def fix_command(
    options: Options, report_file: Path | None, baseline_file: Path | None, no_baseline: bool
) -> None:
    """Apply the fixes to PATHS in place: `loopsafe check --fix`. Safe fixes only, unless
    `--unsafe-fixes`; `--diff` prints them instead. Then reports what is left."""

    def body() -> int:
        request = _prepare(options)
        chosen = _baseline_path(request, baseline_file, no_baseline)
        return request.finish(_fix(request, report_file, baseline_file=chosen))

    run_guarded(options.verbose, body)


def _recover(target: Path) -> None:
    """Finish or undo a fix an earlier run left half written, and say which."""
    from loopsafe.transaction import project_root, recover

    message = recover(project_root(target, Path.cwd()))
    if message:
        click.echo(message, err=True)


def _report(request: _Request) -> int:
    return _show(request, _analyse(request, request.options.no_cache))


def _baseline_path(request: _Request, given: Path | None, ignore: bool = False) -> Path | None:
    """--baseline, else `baseline` in [tool.loopsafe] (relative to the pyproject.toml it is
    set in) unless --no-baseline (`ignore`); None when neither is given."""
    if ignore and given is not None:
        fail("--baseline and --no-baseline cannot be used together")
    if ignore or given is not None or not request.config.baseline:
        return given
    root = request.config.root or request.cwd
    return Path(os.path.relpath(root / request.config.baseline, request.cwd))


def _read_baseline(request: _Request, path: Path) -> Any:
    """The baseline file as `loopsafe.baseline.Baseline`, or one line and exit 2."""
    from loopsafe import baseline

    try:
        return baseline.Baseline.read(request.cwd, path)
    except baseline.BaselineError as exc:
        fail(str(exc))


def _report_against(request: _Request, path: Path) -> int:
    """`check --baseline FILE`: the findings the baseline does not cover."""
    from loopsafe.baseline import describe

    held = _read_baseline(request, path)
    result = _analyse(request, request.options.no_cache)
    outcome = held.hide(result.findings)
    if not request.options.quiet:
        click.echo(describe(path, outcome), err=True)
    return _show(request, replace(result, findings=outcome.kept))


def _write_baseline(request: _Request, path: Path) -> int:
    """`check --write-baseline`: record every finding that needs attention."""
    from loopsafe import baseline

    previous = None
    if (request.cwd / path).exists():
        try:
            previous = baseline.load(request.cwd / path)
        except baseline.BaselineError as exc:
            fail(f"{exc} (delete it to start a new one)")
    result = _analyse(request, request.options.no_cache)
    entries = baseline.counts(result.findings, baseline.Keys(request.cwd, path))
    _write_text(request.cwd / path, baseline.dumps(entries))
    if not request.options.quiet:
        text = f"Wrote {sum(entries.values())} finding(s) to the baseline {path}"
        if previous is not None:
            dropped = sum((previous - entries).values())
            text += f"; {dropped} no longer found were dropped"
        out = request.out if request.options.fmt == "text" else _Stderr(False)
        out.echo(text + ".")
    return EXIT_CLEAN


def _add_noqa(request: _Request, baseline_file: Path | None) -> int:
    """`check --add-noqa`: suppress every finding in place (those a baseline covers
    excepted), like ruff's `--add-noqa`."""
    from loopsafe import baseline
    from loopsafe.fix.apply import write_changes
    from loopsafe.fix.noqa import plan_noqa
    from loopsafe.transaction import TransactionError, project_root

    result = _analyse(request, request.options.no_cache)
    if baseline_file is not None:
        try:
            recorded = baseline.load(request.cwd / baseline_file)
        except baseline.BaselineError as exc:
            fail(str(exc))
        keys = baseline.Keys(request.cwd, baseline_file)
        result.findings = baseline.apply(result.findings, recorded, keys).kept
    plan = plan_noqa(result, request.cwd)
    try:
        write_changes(plan.changes, project_root(request.cwd / request.targets[0], request.cwd))
    except TransactionError as exc:
        fail(str(exc))
    if not request.options.quiet:
        out = request.out if request.options.fmt == "text" else _Stderr(False)
        out.echo(
            f"Added suppressions for {plan.added} finding(s) on {plan.lines} line(s) in "
            f"{len(plan.changes)} file(s)."
        )
        for finding, why in plan.skipped:
            where = printable(f"{finding.path}:{finding.line}")
            out.echo(f"  skipped {where} {finding.code}: {why}")
    return EXIT_CLEAN


def _analyse(request: _Request, no_cache: bool) -> Any:
    """The findings of the selected rules, with a progress bar on a TTY."""
    from loopsafe.discover.files import DiscoveryError
    from loopsafe.engine import analyse
    from loopsafe.output.color import use_color

    options = request.options
    progress = _Progress(
        enabled=not options.quiet and sys.stderr.isatty(),
        color=use_color(options.color, sys.stderr),
    )
    try:
        result = analyse(
            request.targets,
            request.config,
            cwd=request.cwd,
            jobs=options.jobs,
            use_cache=not no_cache,
            progress=progress,
        )
    except DiscoveryError as exc:
        fail(str(exc))
    finally:
        progress.close()
    _tell(request, result.notices)
    return result


def _tell(request: _Request, notices: list[str]) -> None:
    """The engine's notices about the run (a cache in the tree it ignored): one line
    each on stderr, once per run, never on stdout, nothing with --quiet."""
    for notice in notices:
        if notice not in request.told and not request.options.quiet:
            request.told.add(notice)
            click.echo(f"loopsafe: warning: {printable(notice)}", err=True)


def _show(request: _Request, result: Any, statistics: bool | None = None) -> int:
    from loopsafe.output import render
    from loopsafe.output.color import use_color

    options = request.options
    if statistics is None:
        statistics = options.statistics
    if not request.out.silent:
        color = options.fmt == "text" and use_color(options.color, request.out.stream)
        text = render(
            options.fmt,
            result,
            show_ok=request.config.show_ok,
            statistics=statistics,
            color=color,
            output_format=options.output_format or request.config.output_format or "full",
            cwd=request.cwd,
        )
        if text:
            request.out.echo(text)
    if options.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if result.actionable or result.parse_errors else EXIT_CLEAN


def _fix(
    request: _Request, report_file: Path | None = None, *, baseline_file: Path | None = None
) -> int:
    """`fix` and `check --fix` / `--diff`. With a baseline, the findings it records are
    left as they are: neither planned nor reported as remaining."""
    from loopsafe.fix.apply import plan_fixes, write_changes
    from loopsafe.model import Action
    from loopsafe.transaction import READ_ONLY_FILE_SYSTEM, TransactionError, pause, project_root

    options = request.options
    held = _read_baseline(request, baseline_file) if baseline_file is not None else None
    analysis = _analysis(request)
    kept_back = None
    if held is not None:
        kept_back = held.hide(analysis.result.findings)
        analysis.result.findings = kept_back.kept
    pause("analysed")
    root = project_root(request.cwd / request.targets[0], request.cwd)
    report = plan_fixes(analysis, unsafe=options.unsafe_fixes, cwd=request.cwd, root=root)
    internal = [p for p in report.skipped if p.reason.startswith("internal error")]
    # The summary goes to stderr when the results are a diff or machine-readable output.
    text_out = options.fmt == "text" and not options.diff
    out = request.out if text_out else _Stderr(options.quiet)
    if options.diff:
        for change in report.changes:  # the patch is bytes: each file's encoding
            request.out.write_bytes(change.diff())
        _fix_summary(report, dry_run=True, out=out, baseline=_held_note(baseline_file, kept_back))
        if internal:
            return EXIT_ERROR
        if options.exit_zero:
            return EXIT_CLEAN
        # As `check`: 0 only when nothing is left to do (no change to make, nothing to fix
        # by hand or review, every file parsed).
        result = analysis.result
        return (
            EXIT_FINDINGS
            if report.changes or result.actionable or result.parse_errors
            else EXIT_CLEAN
        )
    for planned in report.skipped:
        if planned.reason.endswith(READ_ONLY_FILE_SYSTEM):
            fail(planned.reason.replace("not written", "nothing was written"))
    try:
        write_changes(report.changes, root)
    except TransactionError as exc:
        fail(str(exc))
    # What is left for review is what the fixed tree shows: a config edit can settle more.
    after = _analyse(request, no_cache=True)
    if held is not None:
        after.findings = held.hide(after.findings).kept
    left = sum(1 for f in after.findings if f.action is Action.REVIEW)
    note = _held_note(baseline_file, kept_back)
    _fix_summary(report, dry_run=False, out=out, review=left, baseline=note)
    if report_file is not None:
        audit = _audit_text(
            request, analysis, report, report_file, _baseline_json(baseline_file, kept_back)
        )
        _write_text(report_file, audit)
        out.echo(f"Wrote the report to {report_file}.")
    code = _show(request, after, statistics=False)
    return EXIT_ERROR if internal else code


def _analysis(request: _Request) -> Any:
    """The project model behind the findings of the selected rules, for fixes and the
    report."""
    from loopsafe.discover.files import DiscoveryError
    from loopsafe.engine import analyse_project

    try:
        analysis = analyse_project(
            request.targets,
            request.config,
            cwd=request.cwd,
            jobs=request.options.jobs,
            use_cache=not request.options.no_cache,
        )
    except DiscoveryError as exc:
        fail(str(exc))
    _tell(request, analysis.result.notices)
    return analysis


class _Stderr:
    """A `Destination`-like sink for what accompanies a diff or machine-readable output
    (nothing with --quiet)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def echo(self, text: str = "") -> None:
        if not self.quiet:
            click.echo(text, err=True)


def _held_note(path: Path | None, outcome: Any) -> str:
    """The summary's clause on a baseline: how many findings it kept from being fixed."""
    if path is None or outcome is None:
        return ""
    return f"{outcome.hidden} in the baseline {printable(str(path))} left as they are"


def _baseline_json(path: Path | None, outcome: Any) -> dict[str, Any] | None:
    """The report's `baseline` entry: which file left out how many findings."""
    if path is None or outcome is None:
        return None
    return {"file": path.as_posix(), "hidden": outcome.hidden, "stale": outcome.stale}


def _fix_summary(
    report: Any,
    *,
    dry_run: bool,
    out: Destination | _Stderr,
    review: int | None = None,
    baseline: str = "",
) -> None:
    """`review`: the count after the fixes were written; a dry run counts it beforehand.
    `baseline`: what a baseline kept back (`_held_note`)."""
    verb = "Would fix" if dry_run else "Fixed"
    files = len(report.changes)
    left = len(report.review) if review is None else review
    held = f"; {baseline}" if baseline else ""
    out.echo(
        f"{verb} {len(report.fixed)} finding(s) in {files} file(s); "
        f"{len(report.skipped)} skipped; {left} left for review{held}."
    )
    for planned in report.skipped:
        where = printable(f"{planned.path}:{planned.line}")
        out.echo(f"  skipped {where} {planned.code}: {planned.reason}")


@cli.command()
@_with_options(
    "paths",
    "select",
    "ignore",
    "exclude",
    "jobs",
    "no_cache",
    "config_file",
    "pytest_config",
    "run_sync_import",
    "target_version",
    "exit_zero",
    "verbose",
)
@click.option(
    "--output",
    "-o",
    "--output-file",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file (atomically) instead of standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("md", "json")),
    default="md",
    show_default=True,
    help="Markdown for people, or the same content as JSON.",
)
@click.option(
    "--before",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="`.loopsafe/runtime.json` of a `pytest --loopsafe` run before the fixes.",
)
@click.option(
    "--after",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="`.loopsafe/runtime.json` of a `pytest --loopsafe` run after the fixes.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print nothing (a report file given with -o is still written); report through the "
    "exit status.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    help="Cover only the findings not recorded in this baseline file (JSON); the report "
    "says how many it left out [default: `baseline` in [tool.loopsafe]].",
)
@_NO_BASELINE
def report(
    options: Options,
    output: Path | None,
    fmt: str,
    before: Path | None,
    after: Path | None,
    quiet: bool,
    baseline_file: Path | None,
    no_baseline: bool,
) -> None:
    """The audit report for PATHS: summary counts, every fix (before / after code), the
    helper, what is left as it is and why, test categories, the pytest configuration,
    remaining issues, what breaks on each Python up to the one in development (before
    and after the fixes), the commands to verify, and the impact on the test suite when
    `pytest --loopsafe` results are given (--before / --after).

    Exit status, as `check`: 0 nothing to fix or review, 1 findings or unparsable files
    (0 with --exit-zero), 2 bad usage, configuration or an internal error."""

    def body() -> int:
        check_output_file(output, "--output")
        request = _prepare(replace(options, quiet=quiet))
        chosen = _baseline_path(request, baseline_file, no_baseline)
        text, result = _report_text(request, fmt, before, after, chosen)
        if output is None:
            if not quiet:
                click.echo(printable(text), nl=False)
        else:
            _write_text(output, text)
            if not quiet:
                click.echo(f"Wrote the report to {output}.", err=True)
        if options.exit_zero:
            return EXIT_CLEAN
        return EXIT_FINDINGS if result.actionable or result.parse_errors else EXIT_CLEAN

    run_guarded(options.verbose, body)


def _report_text(
    request: _Request,
    fmt: str,
    before: Path | None,
    after: Path | None,
    baseline_file: Path | None = None,
) -> tuple[str, Any]:
    """The report on the tree as it is, with the fixes `fix --unsafe-fixes` would make;
    and the analysis result it reports on (for the exit status). With a baseline, on the
    findings it does not record only."""
    import json

    from loopsafe.fix.apply import plan_fixes
    from loopsafe.report.build import build_report, load_runtime
    from loopsafe.report.markdown import render_markdown

    runtime = {}
    for label, path in (("before", before), ("after", after)):
        if path is not None:
            try:
                runtime[label] = load_runtime(path)
            except (OSError, ValueError) as exc:
                fail(f"--{label}: {exc}")
    held = _read_baseline(request, baseline_file) if baseline_file is not None else None
    analysis = _analysis(request)
    left_out = None
    if held is not None:
        left_out = held.hide(analysis.result.findings)
        analysis.result.findings = left_out.kept
    fixes = plan_fixes(analysis, unsafe=True, cwd=request.cwd)
    data = build_report(
        analysis,
        fixes,
        applied=False,
        project=_project_name(request),
        tests=_tests_json(request),
        before=runtime.get("before"),
        after=runtime.get("after"),
        baseline=_baseline_json(baseline_file, left_out),
    )
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n", analysis.result
    return render_markdown(data), analysis.result


def _audit_text(
    request: _Request,
    analysis: Any,
    fixes: Any,
    path: Path,
    baseline: dict[str, Any] | None = None,
) -> str:
    """The report for fixes just written: judged on the analysis they were planned from."""
    import json

    from loopsafe.report.build import build_report
    from loopsafe.report.markdown import render_markdown

    data = build_report(
        analysis,
        fixes,
        applied=True,
        project=_project_name(request),
        tests=_tests_json(request),
        baseline=baseline,
    )
    if path.suffix == ".json":
        return json.dumps(data, indent=2) + "\n"
    return render_markdown(data)


def _project_name(request: _Request) -> str:
    names = []
    for target in request.targets:
        name = target.as_posix()
        if name in (".", ""):
            name = request.cwd.name or "."
        names.append(name)
    return " ".join(names)


def _tests_json(request: _Request) -> dict[str, Any] | None:
    """`loopsafe tests --format json` for the report's test section (None: no tests)."""
    from loopsafe.testsort.command import categorize
    from loopsafe.testsort.render import to_dict

    outcome, _ = categorize(request.targets, request.cwd, request.config)
    if not outcome.files:
        return None
    return to_dict(outcome.files)


def _write_text(path: Path, text: str) -> None:
    from loopsafe.atomic import write_atomic

    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        fail(f"{path}: directory {directory} does not exist")
    write_atomic(path, printable(text).encode("utf-8"))


@cli.command()
@click.argument("code", metavar="CODE|NAME", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every rule, one after another.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "markdown")),
    default="text",
    show_default=True,
    help="Plain text for the terminal, or Markdown (as docs/rules.md has it).",
)
def rule(code: str | None, show_all: bool, fmt: str) -> None:
    """Explain a rule, named by its code or its name: what it does, why it is bad, an
    example, what to use instead and how safe its fix is (`loopsafe rule LS101`,
    `loopsafe rule asyncio-run-in-coroutine`, `loopsafe rule --all`)."""

    def body() -> int:
        from loopsafe.rules.render import render_all, render_rule

        if show_all:
            click.echo(render_all(fmt))
            return EXIT_CLEAN
        if not code:
            fail("give a rule code or name (e.g. `loopsafe rule LS101`) or --all")
        click.echo(render_rule(_find_rule(code), fmt))
        return EXIT_CLEAN

    run_guarded(False, body)


def _find_rule(key: str) -> Any:
    """The rule whose code (any case) or name is `key`; else a one-line error with the
    closest codes or names."""
    import difflib

    from loopsafe.rules.registry import all_rules

    rules = all_rules()
    wanted = key.strip()
    for candidate in rules:
        if wanted.upper() == candidate.code or wanted.lower() == candidate.name:
            return candidate
    close = difflib.get_close_matches(wanted.upper(), [r.code for r in rules], n=2, cutoff=0.75)
    close += difflib.get_close_matches(wanted.lower(), [r.name for r in rules], n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    fail(f"unknown rule code or name '{key}'{hint} (see `loopsafe rule --all`)")


@cli.command("vendor-helper")
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
def vendor_helper(dest: Path, force: bool) -> None:
    """Write a standalone copy of the runtime helper (`run_sync`, `require_running_loop`)
    to DEST.py, for projects that would rather not depend on loopsafe at run time. Point
    fixes at it with `run-sync = "yourpkg.dest_module:run_sync"` in [tool.loopsafe]."""

    def body() -> int:
        from loopsafe.vendor import write_vendored_helper

        try:
            write_vendored_helper(dest, force=force)
        except FileExistsError:
            fail(f"{dest}: already exists (use --force to overwrite)")
        except OSError as exc:
            fail(f"{dest}: {exc.strerror or exc}")
        click.echo(f"Wrote the loopsafe {__version__} runtime helper to {dest}.")
        return EXIT_CLEAN

    run_guarded(False, body)


if __name__ == "__main__":  # pragma: no cover
    main()
