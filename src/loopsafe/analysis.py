"""The model of an analysed project, shared by the rules (which judge it), the fixer (which
changes it) and the report (which describes it)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loopsafe.model import Result

if TYPE_CHECKING:
    from loopsafe.discover.config import Config
    from loopsafe.discover.pytest_config import PytestSettings
    from loopsafe.facts.callgraph import ProjectRoles, Reach
    from loopsafe.facts.loop_entries import Made
    from loopsafe.facts.model import FileFacts, Site
    from loopsafe.facts.project import ProjectIndex
    from loopsafe.facts.pytest_version import PytestAsyncio


class PathTable(Mapping[str, Path]):
    """relpath -> Path, from the paths' text, each Path made when first asked for (a
    run over 50,000 files asks for a handful)."""

    def __init__(self, paths: dict[str, str]) -> None:
        self._paths = paths
        self._made: dict[str, Path] = {}

    def __getitem__(self, relpath: str) -> Path:
        made = self._made.get(relpath)
        if made is None:
            made = self._made[relpath] = Path(self._paths[relpath])
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, relpath: object) -> bool:
        return relpath in self._paths


@dataclass
class Project:
    """Everything known about the project as a whole, from its code and its files."""

    index: ProjectIndex
    roles: ProjectRoles
    reach: Reach
    # The pytest-asyncio the project uses, found when a rule first asks (finding the
    # installed one costs an import of importlib.metadata and a scan of sys.path).
    find_pytest_asyncio: Callable[[], PytestAsyncio]
    # Sync fixtures whose value an async test or async fixture receives: "module.qualname".
    async_used_fixtures: set[str] = field(default_factory=set)
    pytest_config: PytestSettings | None = None  # the settings pytest reads
    uses_pytest_asyncio: bool = False
    # Packaging and pytest configuration files, nearest first: (relpath, text).
    metadata: list[tuple[str, str]] = field(default_factory=list)
    # Where fixes import the helper from: "auto", "vendor" or "module:name" (run_sync_for).
    run_sync: str = "auto"
    target_version: str = ""  # `py314` from the configuration or command line; "": read
    abspaths: Mapping[str, Path] = field(default_factory=dict)  # relpath -> file, every file
    top_modules: set[str] = field(default_factory=set)  # top-level names of every file
    # Callables the project makes that enter a loop (`start = async_to_sync(_start)`),
    # by dotted name: what its WRAPPER_CALL sites call.
    made_entries: dict[str, Made] = field(default_factory=dict)
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    # What rules derive from the files while judging (parsed spans, ...), kept for reuse.
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def pytest_asyncio(self) -> PytestAsyncio:
        return self.find_pytest_asyncio()

    @functools.cached_property
    def patches_asyncio(self) -> str:
        """Where the project applies `nest_asyncio` (a script, notebook helper or module
        counts), as "path:line"; "" when it does not. Its sync wrappers' callers may then
        run inside a loop that worked only thanks to the patch."""
        from loopsafe.facts.model import SiteKind

        for module, facts in sorted(self.index.modules.items()):
            for site in facts.sites:
                if site.kind is SiteKind.PATCH:
                    return f"{self.relpath(module)}:{site.line}"
        return ""

    def target_python(self, module: str) -> tuple[int, int]:
        """The newest Python the code of `module` must run on: the configured target, else
        the newest its project's requires-python admits (up to the newest released)."""
        from loopsafe.facts.python_versions import (
            NEWEST_RELEASED,
            parse_target,
            script_maximum_python,
        )

        explicit = parse_target(self.target_version) if self.target_version else None
        if explicit is not None:
            return explicit
        script = script_maximum_python(self.text(self.relpath(module)))
        if script is not None:
            return script
        projects = self.roles.projects
        if projects is None:
            return NEWEST_RELEASED
        return projects.maximum_python(self.relpath(module))

    def oldest_python(self, module: str) -> tuple[int, int]:
        """The oldest Python the code of `module` must still run on: its PEP 723 block,
        else its project's requires-python, else loopsafe's own floor."""
        from loopsafe.facts.python_versions import OLDEST, script_minimum_python

        relpath = self.relpath(module)
        script = script_minimum_python(self.text(relpath))
        if script is not None:
            return script
        projects = self.roles.projects
        return projects.minimum_python(relpath) if projects else OLDEST

    def run_sync_for(self, module: str) -> tuple[str, str]:
        """The helper fixes in `module` call, "module:name", and the relpath of the copy
        of it they need written ("" when none): loopsafe's own when the project depends on
        loopsafe (or has no packaging that could say), else a copy vendored into its
        package, unless `run-sync-import` names one. ("", "") when no import would work:
        a top-level module of a packaged project that does not depend on loopsafe."""
        from loopsafe.vendor import vendored_location

        mode = self.run_sync
        if mode not in ("auto", "vendor"):
            return mode, ""
        relpath = self.relpath(module)
        projects = self.roles.projects
        if mode == "auto" and (
            projects is None
            or projects.project_of(relpath) is None
            or projects.depends_on(relpath, "loopsafe")
        ):
            return "loopsafe:run_sync", ""
        spec, copy = vendored_location(module, relpath)
        if mode == "auto" and "." not in spec.partition(":")[0]:
            # A top-level module of a packaged project (`py_modules`): a copy beside it
            # would not be installed with it, and the fixed module would not import.
            return "", ""
        return spec, copy

    def relpath(self, module: str) -> str:
        return self.index.paths.get(module, module)

    def scope_sites(self, facts: FileFacts, scope: str) -> list[Site]:
        """The sites of `facts` in function `scope` ("": the top level), in file order,
        from one grouping per list of sites: rules scanning every site of the file for
        each function made big files quadratic. Read-only."""
        key = ("scope sites", f"{facts.module}\0{id(facts.sites)}")
        kept = self.memo.get(key)
        if kept is None or kept[0] is not facts.sites or kept[1] != len(facts.sites):
            groups: dict[str, list[Site]] = {}
            for site in facts.sites:
                groups.setdefault(site.scope, []).append(site)
            kept = self.memo[key] = (facts.sites, len(facts.sites), groups)
        found: list[Site] = kept[2].get(scope, [])
        return found

    def site_groups(
        self, facts: FileFacts, name: str, key: Callable[[Site], Hashable | None]
    ) -> dict[Hashable, list[Site]]:
        """The sites of `facts` grouped by `key(site)` (None: in no group), each group in
        file order, kept per list of sites like `scope_sites`; `name` tells the groupings
        apart. For rules looking for the site that goes with another (the call it is the
        argument of): scanning every site of the file for each finding made big files
        quadratic. Read-only."""
        memo_key = (f"site groups {name}", f"{facts.module}\0{id(facts.sites)}")
        kept = self.memo.get(memo_key)
        if kept is None or kept[0] is not facts.sites or kept[1] != len(facts.sites):
            groups: dict[Hashable, list[Site]] = {}
            for site in facts.sites:
                group = key(site)
                if group is not None:
                    groups.setdefault(group, []).append(site)
            kept = self.memo[memo_key] = (facts.sites, len(facts.sites), groups)
        found: dict[Hashable, list[Site]] = kept[2]
        return found

    def text(self, relpath: str) -> str:
        """A file's text as read now ("" when it cannot be read), kept for reuse."""
        text = self._texts.get(relpath)
        if text is None:
            try:
                text = self.abspaths[relpath].read_bytes().decode("utf-8", "replace")
            except (OSError, KeyError):
                text = ""
            self._texts[relpath] = text
        return text


@dataclass
class Analysis:
    """A run's findings together with the project model they were judged on, for code
    that changes the project (the fixer) rather than just reports on it."""

    result: Result
    project: Project
    config: Config
    # Every file's bytes as the analysis read them: a fix checks the file still holds them.
    read: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def abspaths(self) -> Mapping[str, Path]:
        return self.project.abspaths

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return self.project.metadata

    @property
    def pytest_config(self) -> PytestSettings | None:
        return self.project.pytest_config
