"""Which files a scan covers: walk the given paths the way ruff does, fast and never fatally.

Nothing here reads a Python file. Problems met on the way (unreadable directories, broken
symlinks) become `ParseError`s so the scan reports them and goes on; only a path the user
named that does not exist stops the run (`DiscoveryError`, exit 2).
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopsafe.discover.config import Config
from loopsafe.fsnames import identifier
from loopsafe.model import ParseError
from loopsafe.untrusted import read_regular

__all__ = [
    "DEFAULT_EXCLUDES",
    "Discovery",
    "DiscoveryError",
    "ModuleNamer",
    "SourceFile",
    "discover",
    "find_root",
    "module_name",
]

# Names skipped at any depth while walking, as in ruff's default `exclude` (plus caches that
# only ever hold generated code). Replaced by `exclude`, extended by `extend-exclude`.
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".loopsafe_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)
_DEFAULT_EXCLUDE_SUFFIX = ".egg-info"
_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_CONFIG_NAMES = frozenset(
    {
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "pytest.ini",
        ".pytest.ini",
        "tox.ini",
        "pytest.toml",
    }
)
_NEWLINE_FREE = str.maketrans("", "", "\r\n")
_MAX_IGNORE_BYTES = 4 * 1024 * 1024


class DiscoveryError(Exception):
    """A path given on the command line does not exist; the message is one line."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # absolute, as the walk found it
    relpath: str  # relative to cwd with `/`, or the absolute path when outside cwd

    @functools.cached_property
    def abspath(self) -> Path:
        """Made when asked: building a Path for each of 50,000 files was a third of the
        walk, and most runs only need the text."""
        return Path(self.path)


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    problems: list[ParseError] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    # Packaging and pytest configuration files below the scanned directories (their
    # top directories' own are read with the metadata), relative like `files`.
    config_files: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- ignore files
class _Spec:
    """One ignore file (or pattern list) and the directory its patterns are relative to."""

    __slots__ = ("base", "spec")

    def __init__(self, base: str, spec: Any) -> None:  # a pathspec.GitIgnoreSpec
        self.base = base if base.endswith(os.sep) else base + os.sep
        self.spec = spec

    def check(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a `!` pattern; None: no pattern matched."""
        if not path.startswith(self.base):
            return None
        rel = path[len(self.base) :]
        if os.sep != "/":
            rel = rel.replace(os.sep, "/")
        result = self.spec.check_file(rel + "/" if is_dir else rel)
        include: bool | None = result.include
        return include


def _compile(lines: Iterable[str]) -> Any:
    """A gitignore-style spec; a malformed pattern is dropped rather than failing the scan."""
    from pathspec import GitIgnoreSpec

    patterns = [line for line in lines if line.strip() and not line.startswith("#")]
    if not patterns:
        return None
    try:
        return GitIgnoreSpec.from_lines(patterns)
    except Exception:  # pathspec raises its own error types for bad patterns
        good = []
        for line in patterns:
            try:
                GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            good.append(line)
        return GitIgnoreSpec.from_lines(good) if good else None


class _IgnoreFiles:
    """Loads each `.gitignore` / `.git/info/exclude` once, however many walks reach it."""

    def __init__(self) -> None:
        self._cache: dict[str, _Spec | None] = {}

    def load(self, path: str, base: str) -> _Spec | None:
        if path in self._cache:
            return self._cache[path]
        spec = None
        # A FIFO, a device or a huge file shipped as `.gitignore` is no ignore file.
        data = read_regular(path, _MAX_IGNORE_BYTES)
        if data:
            text = data.decode("utf-8", errors="replace")
            compiled = _compile(line.translate(_NEWLINE_FREE) for line in text.split("\n"))
            if compiled is not None:
                spec = _Spec(base, compiled)
        self._cache[path] = spec
        return spec

    def gitignore(self, directory: str) -> _Spec | None:
        return self.load(os.path.join(directory, ".gitignore"), directory)

    def info_exclude(self, repo: str) -> _Spec | None:
        return self.load(os.path.join(repo, ".git", "info", "exclude"), repo)


def _ignored(specs: Sequence[_Spec], path: str, is_dir: bool) -> bool:
    """Deeper ignore files win, as in git."""
    for spec in reversed(specs):
        verdict = spec.check(path, is_dir)
        if verdict is not None:
            return verdict
    return False


# --------------------------------------------------------------------------- the walk
_Dir = tuple[str, int, list[_Spec], bool]  # path, device, ignore files, reached via a link


class _Walker:
    def __init__(self, config: Config, cwd: str, root: str) -> None:
        self.cwd = cwd
        self.cwd_prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
        self.gitignore = config.respect_gitignore
        self.ignore_files = _IgnoreFiles()
        self.default_names = DEFAULT_EXCLUDES if not config.exclude else frozenset()
        patterns = [*config.exclude, *config.extend_exclude]
        exclude_base = os.path.abspath(str(config.root)) if config.root else root
        self.exclude = _exclude_spec(patterns, exclude_base)
        # (reached through a symlink, relpath, abspath, identity) of every file found
        self.found: list[tuple[bool, str, str, tuple[int, int]]] = []
        self.problems: dict[str, ParseError] = {}
        self.visited_dirs: set[tuple[int, int]] = set()
        self.config_files: list[str] = []

    # -- helpers
    def rel(self, path: str) -> str:
        if path.startswith(self.cwd_prefix):
            rel = path[len(self.cwd_prefix) :]
        elif path == self.cwd:
            rel = "."
        else:
            rel = path
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def problem(self, path: str, message: str) -> None:
        rel = self.rel(path)
        self.problems.setdefault(rel, ParseError(rel, 0, message))

    # -- explicit paths
    def add_explicit_file(self, path: str, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            self.problem(path, "not a regular file")
            return
        self.found.append((False, self.rel(path), path, (st.st_dev, st.st_ino)))

    def walk_top(self, top: str, st: os.stat_result) -> None:
        specs = self.ancestor_specs(top) if self.gitignore else []
        self.walk(top, st, specs)

    def ancestor_specs(self, top: str) -> list[_Spec]:
        """Ignore files above `top` that apply to it: from the enclosing git repository (or,
        outside git, the project root) down. A directory named explicitly is scanned even
        if those files ignore it, as ruff does for paths given on the command line."""
        repo = _find_upwards(top, (".git",))
        base = repo
        if base is None:
            project = _find_upwards(top, _ROOT_MARKERS)
            base = project if project is not None else top
        specs: list[_Spec] = []
        if repo is not None:
            info = self.ignore_files.info_exclude(repo)
            if info is not None:
                specs.append(info)
        chain = _chain(base, top)  # base, ..., parent of top
        for index, directory in enumerate(chain):
            if index > 0 and _ignored(specs, directory, True):
                return []  # top lies inside an ignored directory: the user asked for it
            spec = self.ignore_files.gitignore(directory)
            if spec is not None:
                specs.append(spec)
        if chain and _ignored(specs, top, True):
            return []
        return specs

    def walk(self, top: str, top_stat: os.stat_result, top_specs: list[_Spec]) -> None:
        """Depth-first with explicit stacks, so deep trees cannot exhaust the recursion limit.

        Directories reached through a symlink wait until every real directory is walked:
        a link to a place inside the tree is then a repeat and is skipped, whatever order
        the file system lists entries in.
        """
        identity = (top_stat.st_dev, top_stat.st_ino)
        if identity in self.visited_dirs:
            return
        self.visited_dirs.add(identity)
        stack: list[_Dir] = [(top, top_stat.st_dev, top_specs, False)]
        linked: list[tuple[str, tuple[int, int], list[_Spec]]] = []
        while stack or linked:
            if not stack:
                linked.sort(key=lambda item: item[0], reverse=True)
                path, key, specs = linked.pop()
                if key in self.visited_dirs:
                    continue  # a link back up the tree, or a second way to one place
                self.visited_dirs.add(key)
                stack.append((path, key[0], specs, True))
            directory, dev, specs, via_link = stack.pop()
            try:
                with os.scandir(directory) as iterator:
                    entries = list(iterator)
            except OSError as exc:
                self.problem(directory, _reason(exc))
                continue
            if self.gitignore:
                specs = self.directory_specs(directory, entries, specs, top)
            for entry in entries:
                name = entry.name
                if name in self.default_names or name == ".git":
                    continue
                is_py = name.endswith(".py")
                try:
                    is_dir = entry.is_dir()
                except OSError as exc:  # e.g. a symlink loop (ELOOP)
                    if is_py:
                        self.problem(entry.path, _reason(exc))
                    continue
                if is_dir:
                    if name.endswith(_DEFAULT_EXCLUDE_SUFFIX) and self.default_names:
                        continue
                    path = entry.path
                    if self.skipped(specs, path, True, top):
                        continue
                    try:
                        st = entry.stat()
                        is_link = entry.is_symlink()
                    except OSError as exc:
                        self.problem(path, _reason(exc))
                        continue
                    key = (st.st_dev, st.st_ino)
                    if is_link and not via_link:
                        linked.append((path, key, specs))
                    elif key not in self.visited_dirs:
                        self.visited_dirs.add(key)
                        stack.append((path, st.st_dev, specs, via_link))
                elif is_py:
                    self.add_walked_file(entry, dev, specs, top, via_link)
                elif name in _CONFIG_NAMES and directory != top:
                    # A sub-project's own packaging or pytest configuration (monorepos).
                    self.config_files.append(entry.path)

    def directory_specs(
        self, directory: str, entries: list[os.DirEntry[str]], specs: list[_Spec], top: str
    ) -> list[_Spec]:
        has_git = has_ignore = False
        for entry in entries:
            if entry.name == ".gitignore":
                has_ignore = True
            elif entry.name == ".git":
                has_git = True
        if has_git and directory != top:
            # a nested repository (submodule, vendored checkout) starts afresh, as in git
            info = self.ignore_files.info_exclude(directory)
            specs = [info] if info is not None else []
        if has_ignore:
            spec = self.ignore_files.gitignore(directory)
            if spec is not None:
                specs = [*specs, spec]
        return specs

    def skipped(self, specs: list[_Spec], path: str, is_dir: bool, top: str) -> bool:
        """Ignored by a gitignore file, or excluded by configuration."""
        if specs and _ignored(specs, path, is_dir):
            return True
        return self.exclude is not None and _excluded(self.exclude, path, is_dir, top)

    def add_walked_file(
        self, entry: os.DirEntry[str], dev: int, specs: list[_Spec], top: str, via_link: bool
    ) -> None:
        path = entry.path
        if self.skipped(specs, path, False, top):
            return
        try:
            is_symlink = entry.is_symlink()
            is_file = entry.is_file()
        except OSError as exc:
            self.problem(path, _reason(exc))
            return
        if not is_file:
            if is_symlink:
                try:
                    os.stat(path)
                except OSError as exc:
                    broken = exc.errno == errno.ENOENT
                    self.problem(path, "broken symbolic link" if broken else _reason(exc))
                    return
            self.problem(path, "not a regular file")  # a FIFO or device must never be read
            return
        if is_symlink:
            try:
                st = os.stat(path)
            except OSError as exc:
                self.problem(path, _reason(exc))
                return
            identity = (st.st_dev, st.st_ino)
        else:
            identity = (dev, entry.inode())
        self.found.append((via_link or is_symlink, self.rel(path), path, identity))


def _exclude_spec(patterns: Sequence[str], base: str) -> _Spec | None:
    """`exclude` globs are gitignore-style and relative to the project root; an absolute
    path or a leading `./` is accepted too (users write both)."""
    if not patterns:
        return None
    prefix = base if base.endswith(os.sep) else base + os.sep
    lines = []
    for pattern in patterns:
        if pattern.startswith(prefix):
            pattern = "/" + pattern[len(prefix) :]
        elif pattern.startswith("./"):
            pattern = pattern[1:]
        lines.append(pattern.replace(os.sep, "/") if os.sep != "/" else pattern)
    compiled = _compile(lines)
    return _Spec(base, compiled) if compiled is not None else None


def _excluded(spec: _Spec, path: str, is_dir: bool, top: str) -> bool:
    verdict = spec.check(path, is_dir)
    if verdict is None and not path.startswith(spec.base):
        # a scan outside the project: match relative to the directory being walked
        verdict = _Spec(top, spec.spec).check(path, is_dir)
    return bool(verdict)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    return exc.strerror or str(exc) or type(exc).__name__


def _find_upwards(start: str, markers: Sequence[str]) -> str | None:
    directory = start
    while True:
        for marker in markers:
            if os.path.lexists(os.path.join(directory, marker)):
                return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _chain(base: str, top: str) -> list[str]:
    """`base` and each directory below it down to (not including) `top`."""
    if top == base:
        return []
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not top.startswith(prefix):
        return []
    chain = [base]
    parts = top[len(prefix) :].split(os.sep)
    current = base
    for part in parts[:-1]:
        current = os.path.join(current, part)
        chain.append(current)
    return chain


def find_root(path: Path) -> Path:
    """The directory of the nearest pyproject.toml/setup.cfg/setup.py/.git at or above `path`
    (the path's own directory when there is none)."""
    start = os.path.abspath(path)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    found = _find_upwards(start, _ROOT_MARKERS)
    return Path(found if found is not None else start)


def discover(paths: Sequence[Path], config: Config, cwd: Path) -> Discovery:
    """The Python files under `paths`, sorted and de-duplicated, plus what got in the way.

    Explicitly named files are always included, whatever their suffix; directories are
    walked for `*.py`, skipping default and configured excludes and git-ignored paths.
    """
    cwd_str = os.path.abspath(cwd)
    targets = [os.path.normpath(os.path.join(cwd_str, os.fspath(p))) for p in paths] or [cwd_str]
    root = find_root(Path(targets[0]))
    walker = _Walker(config, cwd_str, str(root))
    for target in targets:
        try:
            st = os.stat(target)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                what = "broken symbolic link" if os.path.islink(target) else exc.strerror
                raise DiscoveryError(f"{walker.rel(target)}: {what}") from None
            walker.problem(target, _reason(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            walker.walk_top(target, st)
        else:
            walker.add_explicit_file(target, st)
    # One path per file: its real path before one through a symlink, then the first in order.
    chosen: dict[tuple[int, int], tuple[bool, str, str, str]] = {}
    for via_link, relpath, abspath, identity in walker.found:
        candidate = (via_link, _sort_key(relpath), abspath, relpath)
        current = chosen.get(identity)
        if current is None or candidate < current:
            chosen[identity] = candidate
    files = [
        SourceFile(abspath, relpath)
        for _, _, abspath, relpath in sorted(chosen.values(), key=lambda chosen: chosen[1])
    ]
    problems = sorted(walker.problems.values(), key=lambda problem: _sort_key(problem.path))
    configs = sorted({walker.rel(path) for path in walker.config_files}, key=_sort_key)
    return Discovery(files=files, problems=problems, root=root, config_files=configs)


def _sort_key(relpath: str) -> str:
    """Component-wise order (`a/b.py` before `a-b.py`), cheaply: NUL sorts before any name."""
    return relpath.replace("/", "\0")


# --------------------------------------------------------------------------- module names
class ModuleNamer:
    """Dotted module names for many files, remembering which directories are packages."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.abspath(root)
        self._packages: dict[str, bool] = {}
        self._prefixes: dict[str, list[str]] = {}  # directory -> its package names, inner first

    def _is_package(self, directory: str) -> bool:
        known = self._packages.get(directory)
        if known is None:
            known = os.path.isfile(os.path.join(directory, "__init__.py"))
            self._packages[directory] = known
        return known

    def name(self, path: str | os.PathLike[str]) -> str:
        """The name Python imports the file under: walk up while directories are packages;
        the outermost package's parent is the import root. Never above `root`."""
        directory, filename = self.split(os.fspath(path))
        if filename.endswith(".py"):
            stem = filename[:-3]
        elif filename.endswith(".pyi"):
            stem = filename[:-4]
        else:
            stem = filename
        parts = [] if stem == "__init__" else [stem]
        parts += self._prefix(directory)
        if not parts:  # an `__init__.py` outside any package cannot happen, but stay total
            return identifier(stem)
        return identifier(".".join(reversed(parts)))

    def split(self, text: str) -> tuple[str, str]:
        """`os.path.split` of the normalised absolute path, without normalising a path
        that needs none: absolute, no `.`/`..` or empty part, no trailing `/` (what
        discovery hands over, 50,000 times in a big project)."""
        if (
            os.sep == "/"
            and text.startswith("/")
            and not text.endswith("/")
            and "/." not in text
            and "//" not in text
        ):
            directory, _, filename = text.rpartition("/")
            return directory or "/", filename
        return os.path.split(os.path.normpath(os.path.join(self.root, text)))

    def _prefix(self, directory: str) -> list[str]:
        """The packages `directory` sits in, innermost first: the same for every file in
        it, so walked up once per directory, not once per file."""
        found = self._prefixes.get(directory)
        if found is not None:
            return found
        start = directory
        parts: list[str] = []
        inside_root = directory == self.root or directory.startswith(self.root + os.sep)
        while directory and self._is_package(directory):
            parts.append(os.path.basename(directory) or directory)
            parent = os.path.dirname(directory)
            if parent == directory or (inside_root and directory == self.root):
                break
            directory = parent
        self._prefixes[start] = parts
        return parts


def module_name(path: str | os.PathLike[str], root: Path) -> str:
    """The dotted module name of `path` (absolute, or relative to `root`)."""
    return ModuleNamer(root).name(path)
