"""Hand-labelled case projects: the executable form of docs/classification.md.

Each direct child of ``tests/cases/`` is one independent project, either a single module
(``<name>.py``, analysed alone) or a folder (``<name>/``, a small multi-module project with
its own config files).  A line that carries a site ends with a trailing comment listing every
finding expected on it::

    asyncio.run(main())  # expect: LS101 async-context fix
    loop.run_until_complete(x)  # expect: LS202 sync-wrapper review; LS104 sync-wrapper fix
    helper()  # expect: LS103 reachable-from-async fix path=pkg.routes:handler>pkg.util:helper

``path=`` (``module:qualname`` entries joined by ``>``) is compared exactly when given.  Lines
without ``# expect:`` must produce no finding.  ``.toml`` / ``.ini`` / ``.cfg`` files use the
same trailing comment.  A file whose first line is ``# expect-parse-error`` must be reported in
``Result.parse_errors`` (and so yields no finding).

The labels are written against the contract, never against the analyser's output, so a
failing case means either the analyser or the contract needs a decision.

Fixes: every case is also fixed (``--fix --unsafe-fixes``) in a copy, and each file the fix
changes must equal its stored fixed output next to it (``name.fixed.py``,
``pyproject.fixed.toml``); files it leaves alone must have none. The fixed code must compile
and a second fix must change nothing. Regenerate the stored outputs after a deliberate
change with ``LOOPSAFE_REGENERATE_FIXED=1`` (or ``--regen-fixed`` below) and review the diff.

Debugging one case by hand (prints expected vs actual, line by line)::

    .venv/bin/python tests/test_cases.py imp_alias xmod_methods
    .venv/bin/python tests/test_cases.py --all        # one summary line per case
    .venv/bin/python tests/test_cases.py --list
    .venv/bin/python tests/test_cases.py --regen-fixed   # rewrite every stored fixed output
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import re
import shutil
import sys
import tempfile
import tokenize
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pytest

from loopsafe.model import Action, Category, Finding, ParseError, Result
from loopsafe.vendor import vendored_source

CASES_DIR = Path(__file__).resolve().parent / "cases"
REPO_ROOT = Path(__file__).resolve().parents[1]

PARSE_ERROR_MARK = "# expect-parse-error"
MIN_CASES = 70

_MARK = re.compile(r"#\s*expect:")
_ITEM = re.compile(
    r"^(?P<code>LS\d{3})\s+(?P<category>[a-z-]+)\s+(?P<action>[a-z]+)"
    r"(?:\s+path=(?P<path>\S+))?$"
)
_PATH_ENTRY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_<][\w.<>]*$")

CATEGORIES = frozenset(c.value for c in Category)
ACTIONS = frozenset(a.value for a in Action)


# Which (category, action) pairs each code may carry: what the rules declare they produce
# (`Rule.outcomes`). Checking the labels against it keeps typos and contract slips out of
# the cases themselves.
def _allowed() -> dict[str, set[tuple[str, str]]]:
    from loopsafe.rules.registry import all_rules

    allowed: dict[str, set[tuple[str, str]]] = {}
    for rule in all_rules():
        for code, category, action in rule.outcomes:
            allowed.setdefault(code, set()).add((category.value, action.value))
    return allowed


ALLOWED = _allowed()


class ExpectationError(ValueError):
    """A malformed label in a case file; the message names the file and line."""


Key = tuple[str, int, str, str, str]


@dataclass(frozen=True)
class Expectation:
    path: str
    line: int
    code: str
    category: str
    action: str
    call_path: tuple[str, ...] | None = None

    @property
    def key(self) -> Key:
        return (self.path, self.line, self.code, self.category, self.action)

    def render(self) -> str:
        text = f"{self.code} {self.category} {self.action}"
        if self.call_path is not None:
            text += " path=" + ">".join(self.call_path)
        return text


@dataclass
class CaseSpec:
    """Everything a case promises: findings and files that must fail to parse."""

    expectations: list[Expectation] = field(default_factory=list)
    parse_errors: set[str] = field(default_factory=set)
    sources: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- parsing


def parse_items(text: str, where: str) -> list[tuple[str, str, str, tuple[str, ...] | None]]:
    """Parse what follows ``# expect:`` into (code, category, action, call_path) items."""
    items: list[tuple[str, str, str, tuple[str, ...] | None]] = []
    parts = [p.strip() for p in text.split(";")]
    if not any(parts):
        raise ExpectationError(f"{where}: empty '# expect:' comment")
    for part in parts:
        if not part:
            raise ExpectationError(f"{where}: empty item in '# expect:' comment")
        m = _ITEM.match(" ".join(part.split()))
        if m is None:
            raise ExpectationError(
                f"{where}: cannot read {part!r}; want 'LSnnn <category> <action> [path=...]'"
            )
        code, category, action = m["code"], m["category"], m["action"]
        if category not in CATEGORIES:
            raise ExpectationError(f"{where}: unknown category {category!r}")
        if action not in ACTIONS:
            raise ExpectationError(f"{where}: unknown action {action!r}")
        call_path: tuple[str, ...] | None = None
        if m["path"] is not None:
            call_path = tuple(m["path"].split(">"))
            bad = [e for e in call_path if not _PATH_ENTRY.match(e)]
            if bad:
                raise ExpectationError(f"{where}: bad call path entry {bad[0]!r}")
            if category != "reachable-from-async":
                raise ExpectationError(f"{where}: path= only applies to reachable-from-async")
        items.append((code, category, action, call_path))
    return items


def _python_comments(source: str) -> Iterable[tuple[int, str, bool]] | None:
    """(line, comment text, has code before it) for every real comment, or None if untokenizable."""
    lines = source.splitlines()
    out: list[tuple[int, str, bool]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                before = lines[row - 1][:col] if row - 1 < len(lines) else ""
                out.append((row, tok.string, bool(before.strip())))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return out


def _plain_comments(source: str) -> list[tuple[int, str, bool]]:
    out: list[tuple[int, str, bool]] = []
    for number, text in enumerate(source.splitlines(), start=1):
        m = _MARK.search(text)
        if m is not None:
            out.append((number, text[m.start() :], bool(text[: m.start()].strip())))
    return out


def parse_file(rel_path: str, source: str) -> tuple[list[Expectation], bool]:
    """Expectations in one case file, and whether it is marked as failing to parse."""
    lines = source.splitlines()
    parse_error = bool(lines) and lines[0].strip() == PARSE_ERROR_MARK
    comments: Iterable[tuple[int, str, bool]] | None = None
    if rel_path.endswith(".py") and not parse_error:
        comments = _python_comments(source)
    if comments is None:
        comments = _plain_comments(source)
    found: list[Expectation] = []
    for number, comment, trailing in comments:
        if number > 1 and PARSE_ERROR_MARK in comment:
            raise ExpectationError(f"{rel_path}:{number}: '{PARSE_ERROR_MARK}' must be line 1")
        m = _MARK.search(comment)
        if m is None:
            continue
        where = f"{rel_path}:{number}"
        # Line 1 may be a comment naming the file (a doc example's `# test_api.py`): a label
        # after it is for findings about the file as a whole, which are reported there.
        file_level = number == 1 and m.start() > 0
        if not trailing and not file_level:
            raise ExpectationError(f"{where}: '# expect:' must trail the line carrying the site")
        for code, category, action, call_path in parse_items(comment[m.end() :], where):
            found.append(Expectation(rel_path, number, code, category, action, call_path))
    if parse_error and found:
        raise ExpectationError(f"{rel_path}: a file expected not to parse cannot expect findings")
    return found, parse_error


def is_fixed_output(path: Path) -> bool:
    return ".fixed." in path.name


def fixed_output_path(path: Path) -> Path:
    """Where the stored fixed version of a case file lives: `a.py` -> `a.fixed.py`."""
    return path.with_name(f"{path.stem}.fixed{path.suffix}")


def _case_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix != ".pyc"
        and not is_fixed_output(p)
    )


def collect(base: Path, root: Path) -> CaseSpec:
    """Read every text file of the case at ``root``; paths are relative to ``base`` with '/'."""
    spec = CaseSpec()
    for file in _case_files(root):
        try:
            source = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = file.relative_to(base).as_posix()
        spec.sources[rel] = source.splitlines()
        found, parse_error = parse_file(rel, source)
        spec.expectations.extend(found)
        if parse_error:
            spec.parse_errors.add(rel)
    return spec


# ------------------------------------------------------------------------- comparing


def _value(x: object) -> str:
    return str(x.value) if isinstance(x, Enum) else str(x)


def finding_key(f: Finding) -> Key:
    return (f.path, f.line, f.code, _value(f.category), _value(f.action))


@dataclass
class Comparison:
    missing: list[Expectation] = field(default_factory=list)
    unexpected: list[Finding] = field(default_factory=list)
    wrong_path: list[tuple[Expectation, Finding]] = field(default_factory=list)
    pathless: list[Finding] = field(default_factory=list)
    parse_missing: list[str] = field(default_factory=list)
    parse_unexpected: list[ParseError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.missing
            or self.unexpected
            or self.wrong_path
            or self.pathless
            or self.parse_missing
            or self.parse_unexpected
        )

    def render(self, spec: CaseSpec) -> str:
        def src(path: str, line: int) -> str:
            lines = spec.sources.get(path, [])
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            return _MARK.split(text, maxsplit=1)[0].strip()

        out: list[str] = []
        for e in sorted(self.missing, key=lambda e: e.key):
            out.append(f"MISSING     {e.path}:{e.line}: {e.render()}")
            out.append(f"              | {src(e.path, e.line)}")
        for f in sorted(self.unexpected, key=finding_key):
            got = " ".join(finding_key(f)[2:])
            if f.call_path:
                got += " path=" + ">".join(f.call_path)
            out.append(f"UNEXPECTED  {f.path}:{f.line}: {got}  ({f.message})")
            out.append(f"              | {src(f.path, f.line)}")
        for e, f in self.wrong_path:
            out.append(f"CALL PATH   {e.path}:{e.line}: {e.code}")
            out.append(f"              expected {'>'.join(e.call_path or ())}")
            out.append(f"              actual   {'>'.join(f.call_path) or '(none)'}")
        for f in self.pathless:
            out.append(
                f"NO PATH     {f.path}:{f.line}: {f.code} reachable-from-async without call_path"
            )
        for p in self.parse_missing:
            out.append(f"PARSE       {p}: expected a parse error, got none")
        for pe in self.parse_unexpected:
            out.append(f"PARSE       {pe.path}:{pe.line}: unexpected parse error: {pe.message}")
        return "\n".join(out)


def compare(spec: CaseSpec, result: Result) -> Comparison:
    """Match expected and actual findings as multisets of (path, line, code, category, action)."""
    cmp = Comparison()
    pool: dict[Key, list[Finding]] = defaultdict(list)
    for f in result.findings:
        pool[finding_key(f)].append(f)
        if _value(f.category) == "reachable-from-async" and not f.call_path:
            cmp.pathless.append(f)
    with_path = [e for e in spec.expectations if e.call_path is not None]
    without_path = [e for e in spec.expectations if e.call_path is None]
    for e in with_path:
        group = pool.get(e.key, [])
        exact = next((f for f in group if tuple(f.call_path) == e.call_path), None)
        if exact is not None:
            group.remove(exact)
        elif group:
            cmp.wrong_path.append((e, group.pop(0)))
        else:
            cmp.missing.append(e)
    for e in without_path:
        group = pool.get(e.key, [])
        if group:
            group.pop(0)
        else:
            cmp.missing.append(e)
    cmp.unexpected = [f for group in pool.values() for f in group]
    actual_parse = {pe.path for pe in result.parse_errors}
    cmp.parse_missing = sorted(spec.parse_errors - actual_parse)
    cmp.parse_unexpected = [pe for pe in result.parse_errors if pe.path not in spec.parse_errors]
    return cmp


# ---------------------------------------------------------------------------- cases


def case_roots() -> list[Path]:
    return sorted(
        p
        for p in CASES_DIR.iterdir()
        if not p.name.startswith((".", "_"))
        and (p.is_dir() or p.suffix == ".py")
        and not is_fixed_output(p)
    )


def case_name(root: Path) -> str:
    return root.stem if root.is_file() else root.name


def copy_case(root: Path, dest_dir: Path) -> Path:
    target = dest_dir / root.name
    if root.is_dir():
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.fixed.*")
        shutil.copytree(root, target, ignore=ignore)
    else:
        shutil.copy2(root, target)
    return target


def _engine() -> Callable[..., Result]:
    from loopsafe.engine import analyse

    return analyse


def run_case(root: Path, work: Path) -> tuple[CaseSpec, Result, Comparison]:
    target = copy_case(root, work)
    spec = collect(work, target)
    result = _engine()([target], cwd=work)
    return spec, result, compare(spec, result)


CASE_ROOTS = case_roots()


@pytest.mark.parametrize("root", CASE_ROOTS, ids=[case_name(r) for r in CASE_ROOTS])
def test_case(root: Path, tmp_path: Path) -> None:
    spec, _result, cmp = run_case(root, tmp_path)
    if not cmp.ok:
        pytest.fail(f"case {case_name(root)}:\n{cmp.render(spec)}", pytrace=False)


# ---------------------------------------------------------------------------- fixes


def fix_case(root: Path, work: Path) -> dict[Path, str | None]:
    """Fix a copy of the case; for each case file, its fixed text (None: unchanged)."""
    from loopsafe.engine import analyse_project
    from loopsafe.fix.apply import plan_fixes, write_changes

    target = copy_case(root, work)
    before = {p: p.read_bytes() for p in _case_files(target)}
    report = plan_fixes(analyse_project([target], cwd=work, use_cache=False), unsafe=True, cwd=work)
    write_changes(report.changes, work)
    out: dict[Path, str | None] = {}
    for copy, data in before.items():
        original = root if root.is_file() else root / copy.relative_to(target)
        now = copy.read_bytes()
        out[original] = None if now == data else now.decode("utf-8")
    again = plan_fixes(analyse_project([target], cwd=work, use_cache=False), unsafe=True, cwd=work)
    assert not again.changes, "a second fix changed files: " + ", ".join(
        c.path for c in again.changes
    )
    for copy in before:
        if (
            copy.suffix == ".py"
            and out[root if root.is_file() else root / copy.relative_to(target)]
        ):
            compile(copy.read_text(encoding="utf-8"), str(copy), "exec")
    created = sorted(set(_case_files(target)) - set(before))
    for copy in created:  # the only files a fix writes anew: the vendored helper
        assert copy.read_text(encoding="utf-8") == vendored_source(), copy
    if created:
        out[root / CREATES] = "".join(f"{c.relative_to(target).as_posix()}\n" for c in created)
    elif root.is_dir():
        out[root / CREATES] = None
    return out


CREATES = "fix-creates.txt"  # in a case folder: the files its fix writes anew, one a line


def _stored_path(original: Path) -> Path:
    return original if original.name == CREATES else fixed_output_path(original)


def check_fixed_outputs(root: Path, work: Path, regenerate: bool) -> list[str]:
    """Differences between the fix and the stored outputs (rewritten when `regenerate`)."""
    problems: list[str] = []
    for original, fixed in fix_case(root, work).items():
        stored = _stored_path(original)
        if regenerate:
            if fixed is None:
                stored.unlink(missing_ok=True)
            else:
                stored.write_text(fixed, encoding="utf-8", newline="")
            continue
        if fixed is None and stored.exists():
            problems.append(f"{stored.name}: stored, but the fix leaves {original.name} alone")
        elif fixed is not None and not stored.exists():
            problems.append(f"{original.name}: the fix changes it, but {stored.name} is missing")
        elif fixed is not None and stored.read_text(encoding="utf-8") != fixed:
            diff = difflib.unified_diff(
                stored.read_text(encoding="utf-8").splitlines(keepends=True),
                fixed.splitlines(keepends=True),
                fromfile=f"stored {stored.name}",
                tofile="fixed now",
            )
            problems.append("".join(diff))
    return problems


REGENERATE = os.environ.get("LOOPSAFE_REGENERATE_FIXED") == "1"


@pytest.mark.parametrize("root", CASE_ROOTS, ids=[case_name(r) for r in CASE_ROOTS])
def test_case_fixes(root: Path, tmp_path: Path) -> None:
    problems = check_fixed_outputs(root, tmp_path, REGENERATE)
    if problems:
        pytest.fail(f"case {case_name(root)}:\n" + "\n".join(problems), pytrace=False)


# ------------------------------------------------------------- meta: the corpus itself


def _all_specs() -> dict[str, CaseSpec]:
    return {case_name(r): collect(CASES_DIR, r) for r in CASE_ROOTS}


def test_corpus_is_large_enough() -> None:
    assert len(CASE_ROOTS) >= MIN_CASES


def test_case_names_are_unique() -> None:
    names = Counter(case_name(r) for r in CASE_ROOTS)
    assert [n for n, c in names.items() if c > 1] == []


def test_every_case_labels_parse_and_promise_something() -> None:
    empty = [n for n, s in _all_specs().items() if not s.expectations and not s.parse_errors]
    assert empty == [], "every case needs at least one real site (or a parse error)"


def test_labels_follow_the_contract_table() -> None:
    bad = [
        f"{e.path}:{e.line}: {e.render()}"
        for spec in _all_specs().values()
        for e in spec.expectations
        if (e.category, e.action) not in ALLOWED.get(e.code, set())
    ]
    assert bad == []


def test_every_rule_has_a_case() -> None:
    """Every code a rule can give a site is shown by some case (LS000: a parse error)."""
    from loopsafe.rules.registry import all_rules

    codes = {code for rule in all_rules() for code, _, _ in rule.outcomes}
    assert {"LS100", "LS101", "LS303"} <= codes
    used = {e.code for s in _all_specs().values() for e in s.expectations}
    assert sorted(codes - used) == []
    assert any(s.parse_errors for s in _all_specs().values())


def test_every_category_has_a_case() -> None:
    used = {e.category for s in _all_specs().values() for e in s.expectations}
    assert sorted(CATEGORIES - used) == []


def test_call_paths_are_exercised_across_modules() -> None:
    paths = [
        e.call_path
        for s in _all_specs().values()
        for e in s.expectations
        if e.call_path is not None
    ]
    cross = [p for p in paths if len({entry.split(":")[0] for entry in p}) > 1]
    assert len(cross) >= 10


# ------------------------------------------------------------ unit: the runner's logic


def _finding(
    path: str,
    line: int,
    code: str,
    category: str,
    action: str,
    call_path: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        path=path,
        line=line,
        col=1,
        end_line=line,
        end_col=2,
        code=code,
        rule="rule",
        category=Category(category),
        action=Action(action),
        message="msg",
        call_path=call_path,
    )


def test_parse_single_trailing_expectation() -> None:
    src = "import asyncio\nasyncio.run(main())  # expect: LS101 async-context fix\n"
    found, perr = parse_file("a.py", src)
    assert not perr
    assert found == [Expectation("a.py", 2, "LS101", "async-context", "fix")]


def test_parse_several_items_and_a_call_path() -> None:
    src = (
        "x = 1\n"
        "loop.run_until_complete(c)  # expect: LS202 sync-wrapper review;"
        "  LS103   reachable-from-async fix path=pkg.a:f>pkg.b:C.g\n"
    )
    found, _ = parse_file("m.py", src)
    assert [e.render() for e in found] == [
        "LS202 sync-wrapper review",
        "LS103 reachable-from-async fix path=pkg.a:f>pkg.b:C.g",
    ]
    assert found[1].call_path == ("pkg.a:f", "pkg.b:C.g")
    assert {e.line for e in found} == {2}


def test_parse_ignores_marks_inside_strings_and_docstrings() -> None:
    src = (
        '"""Docs: asyncio.run(x)  # expect: LS101 async-context fix"""\n'
        's = "# expect: LS101 async-context fix"\n'
        "t = f'{s}  # expect: LS100 entrypoint ok'\n"
    )
    assert parse_file("d.py", src) == ([], False)


def test_parse_keeps_a_mark_after_other_comments() -> None:
    src = "asyncio.run(x)  # noqa: E501  # expect: LS100 entrypoint ok\n"
    found, _ = parse_file("n.py", src)
    assert [e.render() for e in found] == ["LS100 entrypoint ok"]


def test_parse_config_files_use_the_same_comment() -> None:
    src = "[tool.pytest.ini_options]  # expect: LS302 pytest-config review\nasyncio_mode = 'auto'\n"
    found, _ = parse_file("p/pyproject.toml", src)
    assert found == [Expectation("p/pyproject.toml", 1, "LS302", "pytest-config", "review")]


def test_parse_error_marker() -> None:
    found, perr = parse_file("bad.py", "# expect-parse-error\nprint 'x'\n")
    assert perr and found == []


@pytest.mark.parametrize(
    "line",
    [
        "x()  # expect: LS101 async-kontext fix",  # unknown category
        "x()  # expect: LS101 async-context fixit",  # unknown action
        "x()  # expect: L101 async-context fix",  # bad code
        "x()  # expect: LS101 async-context",  # missing action
        "x()  # expect: LS101 async-context fix;",  # dangling separator
        "x()  # expect:",  # nothing
        "x()  # expect: LS103 reachable-from-async fix path=pkg.a>pkg.b",  # no qualname
        "x()  # expect: LS104 sync-wrapper fix path=a:f>b:g",  # path on wrong category
        "# expect: LS101 async-context fix",  # not trailing a site
    ],
)
def test_parse_rejects_malformed_labels(line: str) -> None:
    with pytest.raises(ExpectationError):
        parse_file("bad.py", f"import asyncio\n{line}\n")


def test_parse_rejects_findings_in_a_file_that_must_not_parse() -> None:
    with pytest.raises(ExpectationError):
        parse_file("bad.py", "# expect-parse-error\nprint 'x'  # expect: LS104 sync-wrapper fix\n")


def test_parse_error_marker_only_on_line_one() -> None:
    with pytest.raises(ExpectationError):
        parse_file("late.py", "import os\n# expect-parse-error\n")


def test_untokenizable_python_falls_back_to_plain_scan() -> None:
    src = 'def f(:\n    asyncio.run(x)  # expect: LS104 sync-wrapper fix\ns = """\n'
    found, _ = parse_file("broken.py", src)
    assert [(e.line, e.code) for e in found] == [(2, "LS104")]


def test_collect_walks_every_text_file(tmp_path: Path) -> None:
    case = tmp_path / "proj"
    (case / "pkg").mkdir(parents=True)
    (case / "pkg" / "a.py").write_text("asyncio.run(x)  # expect: LS104 sync-wrapper fix\n")
    (case / "pytest.ini").write_text("[pytest]  # expect: LS302 pytest-config review\n")
    (case / "bad.py").write_text("# expect-parse-error\nprint 'x'\n")
    (case / "blob.bin").write_bytes(b"\xff\xfe\x00# expect: garbage")
    spec = collect(tmp_path, case)
    assert sorted(e.path for e in spec.expectations) == ["proj/pkg/a.py", "proj/pytest.ini"]
    assert spec.parse_errors == {"proj/bad.py"}


def test_compare_accepts_an_exact_multiset() -> None:
    spec = CaseSpec(
        expectations=[
            Expectation("a.py", 3, "LS100", "thread", "ok"),
            Expectation("a.py", 3, "LS100", "thread", "ok"),
            Expectation("a.py", 5, "LS103", "reachable-from-async", "fix", ("a:f", "a:g")),
        ]
    )
    result = Result(
        findings=[
            _finding("a.py", 5, "LS103", "reachable-from-async", "fix", ("a:f", "a:g")),
            _finding("a.py", 3, "LS100", "thread", "ok"),
            _finding("a.py", 3, "LS100", "thread", "ok"),
        ]
    )
    assert compare(spec, result).ok


def test_compare_reports_missing_unexpected_and_counts() -> None:
    spec = CaseSpec(
        expectations=[
            Expectation("a.py", 3, "LS100", "thread", "ok"),
            Expectation("a.py", 3, "LS100", "thread", "ok"),
            Expectation("a.py", 9, "LS101", "async-context", "fix"),
        ],
        sources={"a.py": ["", "", "pool.submit(asyncio.run, c)", "", "", "", "", "", "x()"]},
    )
    result = Result(
        findings=[
            _finding("a.py", 3, "LS100", "thread", "ok"),
            _finding("a.py", 9, "LS101", "async-context", "review"),
        ]
    )
    cmp = compare(spec, result)
    assert not cmp.ok
    assert [(e.line, e.code) for e in cmp.missing] == [(3, "LS100"), (9, "LS101")]
    assert [(f.line, _value(f.action)) for f in cmp.unexpected] == [(9, "review")]
    text = cmp.render(spec)
    assert "MISSING" in text and "UNEXPECTED" in text and "pool.submit(asyncio.run, c)" in text


def test_compare_checks_call_paths_only_when_given() -> None:
    exp = Expectation("m.py", 4, "LS103", "reachable-from-async", "fix", ("m:a", "m:b"))
    loose = Expectation("m.py", 4, "LS103", "reachable-from-async", "fix")
    wrong = _finding("m.py", 4, "LS103", "reachable-from-async", "fix", ("m:a", "m:c", "m:b"))
    cmp = compare(CaseSpec(expectations=[exp]), Result(findings=[wrong]))
    assert not cmp.ok and len(cmp.wrong_path) == 1 and not cmp.unexpected
    assert "expected m:a>m:b" in cmp.render(CaseSpec())
    assert compare(CaseSpec(expectations=[loose]), Result(findings=[wrong])).ok


def test_compare_prefers_the_matching_path_among_duplicates() -> None:
    exps = [
        Expectation("m.py", 4, "LS103", "reachable-from-async", "fix", ("m:b", "m:x")),
        Expectation("m.py", 4, "LS103", "reachable-from-async", "fix"),
    ]
    found = [
        _finding("m.py", 4, "LS103", "reachable-from-async", "fix", ("m:a", "m:x")),
        _finding("m.py", 4, "LS103", "reachable-from-async", "fix", ("m:b", "m:x")),
    ]
    assert compare(CaseSpec(expectations=exps), Result(findings=found)).ok


def test_compare_flags_reachable_findings_without_a_path() -> None:
    exp = Expectation("m.py", 4, "LS103", "reachable-from-async", "fix")
    found = _finding("m.py", 4, "LS103", "reachable-from-async", "fix")
    cmp = compare(CaseSpec(expectations=[exp]), Result(findings=[found]))
    assert cmp.pathless == [found] and not cmp.ok


def test_compare_parse_errors_both_ways() -> None:
    spec = CaseSpec(parse_errors={"p/bad.py"})
    cmp = compare(spec, Result(parse_errors=[ParseError("p/other.py", 1, "invalid syntax")]))
    assert cmp.parse_missing == ["p/bad.py"]
    assert [pe.path for pe in cmp.parse_unexpected] == ["p/other.py"]
    assert compare(spec, Result(parse_errors=[ParseError("p/bad.py", 2, "x")])).ok


# ------------------------------------------------------------------------ script mode


def _print_case(root: Path, verbose: bool) -> bool:
    with tempfile.TemporaryDirectory(prefix="loopsafe-case-") as tmp:
        spec, result, cmp = run_case(root, Path(tmp))
    name = case_name(root)
    status = "PASS" if cmp.ok else "FAIL"
    print(f"{status} {name}: {len(spec.expectations)} expected, {len(result.findings)} found")
    if not verbose:
        return cmp.ok
    expected: dict[tuple[str, int], list[str]] = defaultdict(list)
    for e in spec.expectations:
        expected[(e.path, e.line)].append(e.render())
    actual: dict[tuple[str, int], list[str]] = defaultdict(list)
    for f in result.findings:
        text = " ".join(finding_key(f)[2:])
        if f.call_path:
            text += " path=" + ">".join(f.call_path)
        actual[(f.path, f.line)].append(text)
    for path, line in sorted(set(expected) | set(actual)):
        src = spec.sources.get(path, [])
        code = src[line - 1].split("# expect:")[0].rstrip() if 0 < line <= len(src) else ""
        want, got = sorted(expected[(path, line)]), sorted(actual[(path, line)])
        mark = "  " if want == got else "!!"
        print(f"{mark} {path}:{line}: {code.strip()}")
        print(f"     expected: {'; '.join(want) or '-'}")
        print(f"     actual:   {'; '.join(got) or '-'}")
    for pe in result.parse_errors:
        print(f"   parse error {pe.path}:{pe.line}: {pe.message}")
    if not cmp.ok:
        print(cmp.render(spec))
    return cmp.ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run loopsafe on labelled case projects.")
    parser.add_argument("cases", nargs="*", help="case names (file stem or folder name)")
    parser.add_argument("--all", action="store_true", help="run every case, one line each")
    parser.add_argument("--list", action="store_true", help="list the case names")
    parser.add_argument(
        "--regen-fixed", action="store_true", help="rewrite every stored fixed output"
    )
    args = parser.parse_args(argv)
    by_name = {case_name(r): r for r in CASE_ROOTS}
    if args.regen_fixed:
        for root in CASE_ROOTS:
            with tempfile.TemporaryDirectory() as tmp:
                check_fixed_outputs(root, Path(tmp), regenerate=True)
        return 0
    if args.list:
        print("\n".join(by_name))
        return 0
    names: list[str] = list(by_name) if args.all else list(args.cases)
    if not names:
        parser.error("name at least one case, or pass --all / --list")
    unknown = [n for n in names if n not in by_name]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    try:
        _engine()
    except ImportError as exc:
        print(f"cannot import loopsafe.engine.analyse: {exc}", file=sys.stderr)
        return 2
    results: list[bool] = [_print_case(by_name[n], verbose=not args.all) for n in names]
    failed = results.count(False)
    if len(names) > 1:
        print(f"{len(names) - failed}/{len(names)} cases pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
