"""What `loopsafe tests` decides about a test file, and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Category(str, Enum):
    """Ordered by what a test needs: a unit test runs anywhere, an integration test needs
    real services, an end-to-end test needs a browser or a running server."""

    UNIT = "unit"
    INTEGRATION = "integration"
    E2E = "e2e"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Category.UNIT: 0, Category.INTEGRATION: 1, Category.E2E: 2}
CATEGORIES: tuple[Category, ...] = (Category.UNIT, Category.INTEGRATION, Category.E2E)
CATEGORY_BY_NAME = {c.value: c for c in CATEGORIES}


def highest(categories: list[Category] | tuple[Category, ...]) -> Category:
    return max(categories, key=lambda c: c.rank, default=Category.UNIT)


class Kind(str, Enum):
    """How much a piece of evidence weighs.

    `strong` evidence (a connect call, a browser launch, a key read from the environment)
    decides alone. `weak` evidence (a client library merely referenced) is cancelled by
    mocks in the same test, `weak-http` (a request to a localhost port) only by HTTP mocks:
    a test that imports `redis` and patches it is a unit test.
    """

    STRONG = "strong"
    WEAK = "weak"
    WEAK_HTTP = "weak-http"
    MOCK = "mock"
    HTTP_MOCK = "http-mock"
    INFO = "info"
    LAYOUT = "layout"  # the project put the file in an `integration/` or `e2e/` directory


# Which weak kinds a unit kind cancels.
CANCELS: dict[Kind, frozenset[Kind]] = {
    Kind.MOCK: frozenset({Kind.WEAK}),
    Kind.HTTP_MOCK: frozenset({Kind.WEAK, Kind.WEAK_HTTP}),
}
DECISIVE = frozenset({Kind.STRONG, Kind.WEAK, Kind.WEAK_HTTP, Kind.LAYOUT})


@dataclass(frozen=True)
class Evidence:
    """One observation. `path`/`line` say where the code is; `via` is the fixture chain
    that brought it to a test and `at` the line in the test file that requested it."""

    category: Category
    kind: Kind
    reason: str
    path: str
    line: int
    via: tuple[str, ...] = ()
    at: int = 0
    cancelled: bool = False

    def entry(self, relpath: str) -> tuple[int, str]:
        """(line, reason) as reported for the file `relpath`."""
        reason = self.reason + ("; mocked in the same test" if self.cancelled else "")
        if not self.via and self.path == relpath:
            return self.line, reason
        where = f"line {self.line}" if self.path == relpath else f"{self.path}:{self.line}"
        if not self.via:
            return self.at, f"{reason} ({where})"
        names = [f"`{name}`" for name in self.via]
        if len(names) > 4:  # a long chain: its ends say where it starts and what it reaches
            names = [*names[:2], f"... ({len(names) - 3} more)", names[-1]]
        chain = " -> ".join(names)
        return self.at, f"fixture {chain} ({where}): {reason}"


@dataclass
class ItemResult:
    """A test class or function whose category differs from its file's (or whose own
    marker contradicts the evidence)."""

    name: str
    line: int
    category: Category
    evidence: list[tuple[int, str]]
    markers: list[str]
    conflict: str = ""


@dataclass
class FileResult:
    path: str  # relative to the cwd with `/`
    abspath: Path
    category: Category
    evidence: list[tuple[int, str]]
    markers: list[str]  # the marks the module applies to every test (`pytestmark`)
    conflict: str = ""  # every conflict in the file, joined with "; "
    items: list[ItemResult] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    # The category its own `pytestmark` declares, if any: --apply-markers leaves it alone.
    declared: Category | None = None
    tests: int = 0
