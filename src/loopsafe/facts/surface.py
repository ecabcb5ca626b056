"""Who outside the repository can call a function: the open world around the call graph.

A library's public functions are called by code no one here can see, some of it running
an event loop; callers in its examples or tests do not make them entry points. An
application's functions are called by its frameworks (routes, tasks, migrations), so one
with no caller found is unknown, not library API. Read from the source text and the
module table only: nothing is imported.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Iterator, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from loopsafe.discover.pytest_config import first_settings
from loopsafe.facts.model import FileFacts, Function
from loopsafe.facts.python_versions import OLDEST, maximum_python, minimum_python

# Directories whose modules are not shipped as API: they use the library.
OUTSIDE_DIRS = frozenset(
    {
        "examples",
        "example",
        "docs",
        "doc",
        "docs_src",
        "scripts",
        "script",
        "tools",
        "benchmarks",
        "bench",
        "demo",
        "demos",
        "samples",
        "tutorial",
    }
)
# A module-level instance of a framework's application object: the project is a service.
APP_CLASSES = frozenset(
    {
        "FastAPI",
        "Flask",
        "Quart",
        "Celery",
        "Starlette",
        "Sanic",
        "Litestar",
        "Dramatiq",
        "Huey",
        "RedisHuey",
    }
)
_APP_OBJECT = re.compile(
    rb"^[A-Za-z_]\w*\s*(?::[^=\n]+)?=\s*(?:[A-Za-z_][\w.]*\.)?("
    + b"|".join(name.encode() for name in sorted(APP_CLASSES))
    + rb")\(",
    re.MULTILINE,
)
_ALEMBIC_ENV = re.compile(rb"^from alembic import context\b", re.MULTILINE)
_FRAMEWORK_WORDS = (
    b"fastapi",
    b"flask",
    b"quart",
    b"celery",
    b"starlette",
    b"sanic",
    b"litestar",
    b"dramatiq",
    b"huey",
    b"alembic",
)
_HEAD = 4_096  # imports sit at the top of a module


def is_outside(relpath: str, module: str = "") -> bool:
    """A file in an examples, docs or scripts directory: it uses the project. A package
    inside such a directory (a whole example project) is a project of its own, judged by
    its import name."""
    # Asked of every module, twice: answered once per package or directory.
    if "." in module:
        return _outside_package(module.rpartition(".")[0])
    return "/" in relpath and _outside_directory(relpath.rpartition("/")[0])


@functools.lru_cache(maxsize=4096)
def _outside_package(package: str) -> bool:
    return any(part in OUTSIDE_DIRS for part in package.split("."))


@functools.lru_cache(maxsize=4096)
def _outside_directory(directory: str) -> bool:
    return any(part in OUTSIDE_DIRS for part in directory.split("/"))


def application_files(
    texts: Iterable[tuple[str, bytes]], parsed: Iterable[tuple[str, FileFacts]] = ()
) -> Iterator[tuple[str, str]]:
    """(relpath, why) of the files that make their project an application: a framework
    app object at module level, an Alembic environment. `parsed`: (relpath, facts) of the
    files already parsed, read from their facts; `texts`: (relpath, bytes) of the others,
    searched as text. Both only non-test, non-example files."""
    for relpath, facts in parsed:
        for constructor in facts.constructed.values():
            name = constructor.rpartition(".")[2]
            if name in APP_CLASSES:
                yield relpath, f"{relpath} creates a {name} application"
                break
        else:
            if relpath.endswith("env.py") and "alembic.context" in facts.imports.values():
                yield relpath, f"{relpath} is an Alembic environment"
    for relpath, data in texts:
        head = data[:_HEAD]
        if not any(word in head for word in _FRAMEWORK_WORDS):
            continue  # no framework named in the file's head (its imports): no app here
        found = _APP_OBJECT.search(data)
        if found:
            yield relpath, f"{relpath} creates a {found.group(1).decode()} application"
        elif relpath.endswith("env.py") and _ALEMBIC_ENV.search(data):
            yield relpath, f"{relpath} is an Alembic environment"


class SubProjects:
    """The nearest packaging and pytest configuration of each file: a monorepo holds
    several projects (`api/pyproject.toml`, `worker/setup.cfg`), each judged by its own."""

    def __init__(self, configs: Iterable[tuple[str, str]], python_files: tuple[str, ...]) -> None:
        """`configs`: (relpath, text) of every packaging and pytest configuration file
        known, nearest first; `python_files`: the setting for files under none."""
        self.packaged: dict[str, bool] = {}  # directory -> distributes its packages
        self.patterns: dict[str, tuple[str, ...]] = {}  # directory -> python_files
        self.default = python_files
        self.applications: dict[str, str] = {}  # project directory -> why an application
        self.declared: dict[str, list[str]] = {}  # directory -> its dependency-file texts
        self.packaging: dict[str, list[tuple[str, str]]] = {}  # directory -> (name, text)
        self._depends: dict[tuple[str, str], bool] = {}  # (project, distribution) -> declared
        # directory -> its nearest packaging / pytest configuration directory, once: every
        # file is asked about, and files share few directories.
        self._project_of: dict[str, str | None] = {}
        self._patterns_of: dict[str, str | None] = {}
        # project -> (the oldest Python its metadata states or None, the newest it admits)
        self._python_range: dict[str | None, tuple[tuple[int, int] | None, tuple[int, int]]] = {}
        for relpath, text in configs:
            directory = _directory(relpath)
            name = relpath.rpartition("/")[2]
            if name in _DEPENDENCY_FILES or _REQUIREMENTS.fullmatch(name):
                self.declared.setdefault(directory, []).append(text)
            if name in _DEPENDENCY_FILES:
                self.packaging.setdefault(directory, []).append((name, text))
            if name in ("setup.py", "setup.cfg") or (
                name == "pyproject.toml" and _PACKAGED.search(text)
            ):
                self.packaged.setdefault(directory, True)
            if directory not in self.patterns:
                settings = first_settings([(relpath, text)])
                if settings is not None:
                    self.patterns[directory] = settings.values("python_files") or self.default

    def project_of(self, relpath: str) -> str | None:
        """The directory of the nearest packaging file, None when there is none."""
        directory = _directory(relpath)
        try:
            return self._project_of[directory]
        except KeyError:
            found = self._project_of[directory] = _nearest(self.packaged, directory)
            return found

    def depends_on(self, relpath: str, distribution: str) -> bool:
        """Does the project of file `relpath` declare `distribution` as a requirement
        (pyproject.toml, setup.py, setup.cfg, requirements.txt)? Read as text, never run."""
        project = self.project_of(relpath)
        if project is None:
            return False
        known = self._depends.get((project, distribution))
        if known is None:
            known = self._depends[project, distribution] = self._declares(project, distribution)
        return known

    def _declares(self, project: str, distribution: str) -> bool:
        wanted = re.compile(
            rf"""(?im)(?:^|["'\s,\[])({re.escape(distribution)})(?:\[[^\]]*\])?\s*"""
            r"""(?:[<>=!~;,"'\]]|@|$)"""
        )
        directory: str | None = project
        while directory is not None:  # this project's files, and a workspace root above
            if any(wanted.search(_requirements_only(t)) for t in self.declared.get(directory, ())):
                return True
            directory = None if not directory else directory.rpartition("/")[0]
        return False

    def maximum_python(self, relpath: str) -> tuple[int, int]:
        """The newest Python the project of file `relpath` admits (NEWEST_RELEASED at most)."""
        return self._pythons(relpath)[1]

    def minimum_python(self, relpath: str) -> tuple[int, int]:
        """The oldest Python the project of file `relpath` supports (OLDEST if unsaid)."""
        return self._pythons(relpath)[0] or OLDEST

    def stated_minimum_python(self, relpath: str) -> tuple[int, int] | None:
        """The oldest Python the project's metadata says it supports; None when it does
        not say (a rule may then not assume OLDEST)."""
        return self._pythons(relpath)[0]

    def _pythons(self, relpath: str) -> tuple[tuple[int, int] | None, tuple[int, int]]:
        """(oldest stated, newest) Python of the file's project, read once per project."""
        project = self.project_of(relpath)
        known = self._python_range.get(project)
        if known is None:
            texts = self.packaging.get(project, []) if project is not None else []
            known = (minimum_python(texts), maximum_python(texts))
            self._python_range[project] = known
        return known

    def python_files(self, relpath: str) -> tuple[str, ...]:
        directory = _directory(relpath)
        try:
            nearest = self._patterns_of[directory]
        except KeyError:
            nearest = self._patterns_of[directory] = _nearest(self.patterns, directory)
        return self.default if nearest is None else self.patterns[nearest]

    def application(self, relpath: str) -> str:
        project = self.project_of(relpath)
        return self.applications.get("" if project is None else project, "")


_PACKAGED = re.compile(r"^\[(project|tool\.poetry)\]", re.MULTILINE)
_DEPENDENCY_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg"})
_REQUIREMENTS = re.compile(r"requirements\.(?:txt|in)")  # an application's run-time needs


def _requirements_only(text: str) -> str:
    """The run-time requirements a dependency file states, as text: from pyproject.toml
    `[project] dependencies` and Poetry's main dependencies (not extras, groups or tool
    settings); other files as they are."""
    if not text.lstrip().startswith(("[", "#")) or "=" not in text:
        return text
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text  # setup.cfg, requirements.txt: not TOML
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    found: list[str] = []
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        found += [str(d) for d in project["dependencies"]]
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        found += [f'"{name}"' for name in poetry["dependencies"]]
    return "\n".join(found)


def _directory(relpath: str) -> str:
    if relpath.startswith(("/", "../")):
        return ""  # above the working directory: an ancestor of every file scanned
    directory = relpath.rpartition("/")[0]
    return "" if directory == "." else directory


def _nearest(table: Mapping[str, object], directory: str) -> str | None:
    """The nearest directory of `table` at or above `directory` (`_directory`'s answer)."""
    while True:
        if directory in table:
            return directory
        if not directory:
            return None
        directory = directory.rpartition("/")[0]


def public_modules(paths: Mapping[str, str], excluded: set[str], projects: SubProjects) -> set[str]:
    """Modules importable by users: in a packaged project, no part of the name private,
    not tests, examples or scripts (`excluded`), not `__main__`."""
    out: set[str] = set()
    for module, relpath in paths.items():
        if module in excluded or is_outside(relpath, module):
            continue
        if projects.project_of(relpath) is None:
            continue
        parts = module.split(".")
        if any(p.startswith("_") and not _is_dunder(p) for p in parts) or parts[-1] == "__main__":
            continue
        out.add(module)
    return out


def is_public(func: Function, facts: FileFacts) -> bool:
    """Can code outside the project call this function by name? Top-level functions listed
    in `__all__` (or not private when there is none) and public methods of public classes;
    nested functions never."""
    if func.parent:
        return False
    parts = func.qualname.split(".")
    if any(p.startswith("_") and not _is_dunder(p) for p in parts):
        return False
    return facts.dunder_all is None or parts[0] in facts.dunder_all


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")
