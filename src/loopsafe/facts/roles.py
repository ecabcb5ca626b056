"""Which modules are tests, which are scripts, and which functions packaging declares as
entry points — facts that need the whole project (and its metadata files, read as text)."""

from __future__ import annotations

import configparser
import fnmatch
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from loopsafe.facts.callgraph import ProjectRoles
from loopsafe.facts.model import FileFacts
from loopsafe.facts.surface import SubProjects, application_files, is_outside, public_modules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_SETUP_PY_SCRIPT = re.compile(
    r"""['"]\s*[\w.\-]+\s*=\s*([\w.]+)\s*:\s*([\w.]+)\s*(?:\[[^\]]*\])?['"]"""
)


_TEST_DIR_NAMES = frozenset({"tests", "test", "testing"})


DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")


def is_test_filename(relpath: str, python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES) -> bool:
    """`python_files`: pytest's setting of that name (globs on the file name, or on the
    path when they hold a `/`)."""
    name = relpath.rpartition("/")[2]
    if name == "conftest.py":
        return True
    if python_files == DEFAULT_PYTHON_FILES:  # the common case, without fnmatch
        return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    return any(
        fnmatch.fnmatch(relpath if "/" in pattern else name, pattern) for pattern in python_files
    )


def compute_roles(
    modules: dict[str, FileFacts],
    paths: dict[str, str],
    metadata: dict[str, str],
    all_paths: Iterable[str] = (),
    extra_entry_points: Iterable[str] = (),
    extra_worker_decorators: Iterable[str] = (),
    extra_thread_apis: Iterable[str] = (),
    texts: Mapping[str, bytes] | None = None,
    python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES,
    nested: Mapping[str, str] | None = None,
    tests: TestPaths | None = None,
) -> ProjectRoles:
    """`metadata` maps file names (pyproject.toml, setup.cfg, setup.py) to their text;
    `texts`: every file's bytes by relpath, to tell an application from a library;
    `nested`: the packaging and pytest files of sub-projects, by relpath (a monorepo);
    `tests`: `test_path_predicate` of `paths` and `all_paths` when the caller has it (used
    when made with the same `python_files`: the test folders are then the same)."""
    roles = ProjectRoles()
    projects = SubProjects([*metadata.items(), *(nested or {}).items()], python_files)
    roles.projects = projects
    if tests is None or tests.python_files != python_files:
        tests = test_path_predicate([*paths.values(), *all_paths], python_files)
    roles.test_dirs = tests.dirs
    in_tests = tests

    # project module -> the modules importing it, listed when first asked (most projects
    # ask; one without tests or scripts never does).
    importers = _Importers(paths, modules)

    for module, path in paths.items():
        if is_test_filename(path):
            roles.test_modules.add(module)
            continue
        patterns = projects.python_files(path)
        if patterns == DEFAULT_PYTHON_FILES:
            continue  # asked just above
        # A configured pattern can be as wide as a package (`mypkg/*`): a module other
        # modules import is their code, not a test module.
        if is_test_filename(path, patterns) and not (importers.of(module) - {module}):
            roles.test_modules.add(module)
    for module, path in paths.items():
        if module in roles.test_modules or not in_tests(path):
            continue
        users = importers.of(module) - {module}
        if not users or users <= roles.test_modules:
            roles.test_modules.add(module)

    for target in _script_targets(metadata):
        roles.entry_targets.add(target)
    script_target_modules = {t.rpartition(".")[0] for t in roles.entry_targets}
    for module, facts in modules.items():
        if module in roles.test_modules or facts.is_package_init:
            continue
        if not (facts.has_toplevel_code or facts.has_main_block or module.endswith("__main__")):
            continue  # most modules: asked first, it is cheapest
        users = (importers.of(module) - {module}) - roles.test_modules
        if users or module in script_target_modules:
            continue
        roles.script_modules.add(module)

    for item in extra_entry_points:
        if ":" in item:
            roles.entry_targets.add(item.replace(":", "."))
        else:
            roles.entry_decorators.add(item)
    roles.worker_decorators.update(extra_worker_decorators)
    roles.thread_functions.update(extra_thread_apis)

    outside: dict[str, bool] = {}  # relpath -> is_outside(relpath, its module), once
    for module, path in paths.items():
        if is_outside(path, module):
            outside[path] = True
            roles.outside_modules.add(module)
        else:
            outside[path] = False
    # A module of a package with a `__main__` block is still importable API; a lone
    # script is not.
    scripts = {m for m in roles.script_modules if "." not in m or m.endswith("__main__")}
    excluded = roles.test_modules | scripts | roles.outside_modules
    if texts is not None:
        module_of = {rel: module for module, rel in paths.items()}
        wanted = sorted(
            rel
            for rel in texts
            if not in_tests(rel) and not (outside[rel] if rel in outside else is_outside(rel, ""))
        )
        for relpath, why in application_files(
            ((rel, texts[rel]) for rel in wanted if module_of.get(rel) not in modules),
            ((rel, modules[module_of[rel]]) for rel in wanted if module_of.get(rel) in modules),
        ):
            project = projects.project_of(relpath)
            projects.applications.setdefault("" if project is None else project, why)
    roles.public_modules = public_modules(paths, excluded, projects)
    return roles


class _Importers:
    """Which modules import each project module: importing pkg.sub imports pkg (and its
    `__init__`) too. Only the project's modules are ever asked about: the others
    (`asyncio`) are not listed. The table is made at the first question."""

    def __init__(self, paths: Mapping[str, str], modules: Mapping[str, FileFacts]) -> None:
        self.paths = paths
        self.modules = modules
        self.table: dict[str, set[str]] | None = None

    def of(self, module: str) -> set[str]:
        if self.table is None:
            self.table = self._list()
        return self.table.get(module, set())

    def _list(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = {}
        packages = _Packages(self.paths, self.modules)
        for module, facts in self.modules.items():
            for imported in facts.imported_modules:
                for name in packages.of(imported):
                    users = table.get(name)
                    if users is None:
                        table[name] = {module}
                    else:
                        users.add(module)
        return table


class _Packages:
    """A dotted name's project modules: itself and every prefix that is one (`pkg.sub.f`:
    `pkg.sub`, `pkg`), each name's list made once from its parent's (many modules import
    the same names, and names that differ share their packages)."""

    def __init__(self, paths: Mapping[str, str], modules: Mapping[str, FileFacts]) -> None:
        self.paths = paths
        self.modules = modules
        self.known: dict[str, list[str]] = {}

    def of(self, dotted: str) -> list[str]:
        found = self.known.get(dotted)
        if found is not None:
            return found
        walked = [dotted]  # up to the nearest name listed already (no recursion: names
        found = []  # can be long)
        name = dotted
        while "." in name:
            name = name.rpartition(".")[0]
            known = self.known.get(name)
            if known is not None:
                found = known
                break
            walked.append(name)
        for name in reversed(walked):
            if name in self.paths or name in self.modules:
                found = [name, *found]
            self.known[name] = found
        return found


def _depth(directory: str) -> int:
    return directory.count("/") + 1 if directory else 0


def _test_dirs(
    paths: Iterable[str], python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
) -> set[str]:
    """Directories holding tests: they have test files, a conftest.py below the top of the
    tree, or the conventional name. Their subdirectories hold tests too."""
    split = [p.rpartition("/") for p in dict.fromkeys(paths)]  # callers repeat paths
    top = min((_depth(parent) for parent, _, _ in split), default=0)
    out: set[str] = set()
    for parent, _, name in split:
        if name == "conftest.py":
            if _depth(parent) > top:
                out.add(parent)
        elif is_test_filename(f"{parent}/{name}" if parent else name, python_files):
            out.add(parent)
    return out


def test_path_predicate(
    paths: Iterable[str], python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
) -> TestPaths:
    """`in_tests(relpath)`: is this file test code, judged from the whole tree's layout?"""
    return TestPaths(_test_dirs(paths, python_files), python_files)


class TestPaths:
    """`test_path_predicate` for the tree whose `_test_dirs` are `dirs`. It keeps `dirs`
    and `python_files`, so that `compute_roles` given the same tree need not list them
    again, and its answers, for the same files are asked about again and again (in every
    expansion round and by every rule)."""

    __test__ = False  # a name pytest would collect
    __slots__ = ("_answers", "_dirs", "dirs", "python_files")

    def __init__(self, dirs: set[str], python_files: tuple[str, ...]) -> None:
        self.dirs = dirs
        self.python_files = python_files
        self._dirs: dict[str, bool] = {"": False}  # a directory's answer, once
        self._answers: dict[str, bool] = {}

    def __call__(self, relpath: str) -> bool:
        found = self._answers.get(relpath)
        if found is None:
            found = self._answers[relpath] = is_test_filename(
                relpath, self.python_files
            ) or self._in_directory(relpath.rpartition("/")[0])
        return found

    def _in_directory(self, directory: str) -> bool:
        dirs, test_dirs = self._dirs, self.dirs
        unknown: list[str] = []  # walked up without recursion: trees can be deep
        found = dirs.get(directory)
        while found is None:
            if directory in test_dirs or directory.rpartition("/")[2] in _TEST_DIR_NAMES:
                found = True
                break
            unknown.append(directory)
            directory = directory.rpartition("/")[0]
            found = dirs.get(directory)
        for below in unknown:
            dirs[below] = found
        return found


def _script_targets(metadata: dict[str, str]) -> list[str]:
    targets: list[str] = []
    for name, text in metadata.items():
        base = PurePosixPath(name).name
        try:
            if base == "pyproject.toml":
                targets.extend(_pyproject_targets(tomllib.loads(text)))
            elif base == "setup.cfg":
                targets.extend(_setup_cfg_targets(text))
            elif base == "setup.py":
                targets.extend(f"{m}.{f}" for m, f in _SETUP_PY_SCRIPT.findall(text))
        except (tomllib.TOMLDecodeError, configparser.Error, UnicodeError):
            continue
    return targets


def _pyproject_targets(data: dict[str, Any]) -> list[str]:
    out: list[str] = []
    project = data.get("project", {})
    tables = [project.get("scripts", {}), project.get("gui-scripts", {})]
    poetry = data.get("tool", {}).get("poetry", {})
    tables.append(poetry.get("scripts", {}))
    for table in tables:
        if not isinstance(table, dict):
            continue
        for value in table.values():
            spec = value.get("reference", "") if isinstance(value, dict) else value
            if isinstance(spec, str) and ":" in spec:
                module, _, func = spec.partition(":")
                out.append(f"{module.strip()}.{func.strip().split('[')[0].strip()}")
    return out


def _setup_cfg_targets(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    out: list[str] = []
    if not parser.has_section("options.entry_points"):
        return out
    for key in ("console_scripts", "gui_scripts"):
        raw = parser.get("options.entry_points", key, fallback="")
        for line in raw.splitlines():
            if "=" in line and ":" in line:
                spec = line.partition("=")[2].strip()
                module, _, func = spec.partition(":")
                out.append(f"{module.strip()}.{func.strip().split('[')[0].strip()}")
    return out
