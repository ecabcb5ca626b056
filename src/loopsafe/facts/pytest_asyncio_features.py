"""What each pytest-asyncio release understands: configuration keys, `asyncio` mark
keywords, fixtures and behaviours, from its changelog (docs/reference/changelog.rst in the
1.5.0 sdist) and checked against the plugin code of the releases themselves
(`parser.addini(...)` calls, the mark's keyword checks).

Every rule and fix plan that writes or proposes a pytest-asyncio set-up asks this table,
never a version number of its own: a key written into a configuration that the installed
pytest-asyncio does not register makes pytest warn `PytestConfigWarning: Unknown config
option`, which `-W error` / `filterwarnings = error` turn into an INTERNALERROR before a
single test runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

Version = tuple[int, ...]

# A set-up the project's version cannot take (an upgrade to propose, or a version to pin)
# is a question about the pytest-asyncio set-up: LS302's `review`, wherever it is found.
SET_UP_REVIEW = "LS302"


class Kind(str, Enum):
    CONFIG = "config"  # a key in the pytest configuration (`addini`)
    MARK = "mark"  # a keyword of `@pytest.mark.asyncio(...)`
    FIXTURE = "fixture"  # a fixture pytest-asyncio provides, or an argument of its decorator
    BEHAVIOUR = "behaviour"  # what it does without being asked


@dataclass(frozen=True)
class Feature:
    name: str  # as written: the key, `loop_scope=`, the fixture's name
    kind: Kind
    since: Version
    removed: Version | None = None  # first release without it
    deprecated: Version | None = None  # first release that warns when it is used
    source: str = ""  # the changelog entry

    def known(self, version: Version) -> bool:
        return version >= self.since and (self.removed is None or version < self.removed)

    def deprecated_in(self, version: Version) -> bool:
        return self.deprecated is not None and self.known(version) and version >= self.deprecated


# Keys of FEATURES, for the callers.
ASYNCIO_MODE = "asyncio_mode"
DEFAULT_FIXTURE_LOOP_SCOPE = "asyncio_default_fixture_loop_scope"
DEFAULT_TEST_LOOP_SCOPE = "asyncio_default_test_loop_scope"
ASYNCIO_DEBUG = "asyncio_debug"
MARK_SCOPE = "mark.asyncio(scope=)"
MARK_LOOP_SCOPE = "mark.asyncio(loop_scope=)"
MARK_LOOP_FACTORIES = "mark.asyncio(loop_factories=)"
ASYNCIO_FIXTURE = "pytest_asyncio.fixture"
FIXTURE_LOOP_SCOPE = "pytest_asyncio.fixture(loop_scope=)"
EVENT_LOOP_FIXTURE = "event_loop"
EVENT_LOOP_POLICY_FIXTURE = "event_loop_policy"
STRICT_DEFAULT = "strict mode by default"
SCOPED_LOOPS = "loops per class/module/package/session"
UNSET_FIXTURE_SCOPE_WARNING = "warns when asyncio_default_fixture_loop_scope is unset"
STRICT_SYNC_DECORATOR_WARNING = "warns on an async @pytest.fixture in strict mode"

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature(
            ASYNCIO_MODE,
            Kind.CONFIG,
            (0, 17),
            source="0.17.0 adds the modes; 0.19.0 makes strict the default; 0.20.0 drops legacy",
        ),
        Feature(
            DEFAULT_FIXTURE_LOOP_SCOPE,
            Kind.CONFIG,
            (0, 24),
            source="0.24.0: 'Added the asyncio_default_fixture_loop_scope configuration option'",
        ),
        Feature(
            DEFAULT_TEST_LOOP_SCOPE,
            Kind.CONFIG,
            (0, 26),
            source="0.26.0: 'configuration option that sets default event loop scope for all "
            "tests' (#793)",
        ),
        Feature(
            ASYNCIO_DEBUG,
            Kind.CONFIG,
            (1, 2),
            source="1.2.0: '--asyncio-debug CLI option and asyncio_debug configuration option'",
        ),
        Feature(
            MARK_SCOPE,
            Kind.MARK,
            (0, 23),
            deprecated=(0, 24),
            source="0.23.0: loops of wider scope 'via the scope keyword argument to the asyncio "
            "mark'; 0.24.0 deprecates it for loop_scope (0.21 and older ignore it)",
        ),
        Feature(
            MARK_LOOP_SCOPE,
            Kind.MARK,
            (0, 24),
            source="0.24.0: 'Adds an optional loop_scope keyword argument to "
            "pytest.mark.asyncio' (0.23 ignores it)",
        ),
        Feature(
            MARK_LOOP_FACTORIES,
            Kind.MARK,
            (1, 4),
            source="1.4.0: 'pytest.mark.asyncio(loop_factories=[...])'",
        ),
        Feature(
            ASYNCIO_FIXTURE,
            Kind.FIXTURE,
            (0, 17),
            source="0.17.0: strict mode and @pytest_asyncio.fixture",
        ),
        Feature(
            FIXTURE_LOOP_SCOPE,
            Kind.FIXTURE,
            (0, 24),
            source="0.24.0: pytest_asyncio.fixture(loop_scope=...); 0.23 passes it on to "
            "pytest.fixture, which raises TypeError at import",
        ),
        Feature(
            EVENT_LOOP_FIXTURE,
            Kind.FIXTURE,
            (0, 1),
            removed=(1, 0),
            deprecated=(0, 23),
            source="0.22.0 (yanked) deprecates redefining it, 0.23.0 warns at fixture set-up; "
            "1.0.0: 'Removed the deprecated event_loop fixture'",
        ),
        Feature(
            EVENT_LOOP_POLICY_FIXTURE,
            Kind.FIXTURE,
            (0, 23),
            deprecated=(1, 4),
            source="0.23.0: 'Introduces the event_loop_policy fixture'; 1.4.0 deprecates "
            "overriding it for the pytest_asyncio_loop_factories hook",
        ),
        Feature(
            STRICT_DEFAULT,
            Kind.BEHAVIOUR,
            (0, 19),
            source="0.19.0: 'The default asyncio_mode is now strict'",
        ),
        Feature(
            SCOPED_LOOPS,
            Kind.BEHAVIOUR,
            (0, 23),
            source="0.23.0: an event loop per class, module, package and session",
        ),
        Feature(
            UNSET_FIXTURE_SCOPE_WARNING,
            Kind.BEHAVIOUR,
            (0, 24),
            source="0.24.0: PytestDeprecationWarning at start-up when the key is unset",
        ),
        Feature(
            STRICT_SYNC_DECORATOR_WARNING,
            Kind.BEHAVIOUR,
            (0, 25),
            source="0.25.0: 'Added warning when asyncio test requests async @pytest.fixture "
            "in strict mode'",
        ),
    )
}

# Releases on PyPI, newest last (0.22.0 was yanked). A version range resolves to the
# newest of these it allows when nothing installed fits it.
RELEASES: tuple[Version, ...] = (
    (0, 17, 0), (0, 17, 1), (0, 17, 2), (0, 18, 0), (0, 18, 1), (0, 18, 2), (0, 18, 3),
    (0, 19, 0), (0, 20, 0), (0, 20, 1), (0, 20, 2), (0, 20, 3), (0, 21, 0), (0, 21, 1),
    (0, 21, 2), (0, 23, 0), (0, 23, 1), (0, 23, 2), (0, 23, 3), (0, 23, 4), (0, 23, 5),
    (0, 23, 6), (0, 23, 7), (0, 23, 8), (0, 24, 0), (0, 25, 0), (0, 25, 1), (0, 25, 2),
    (0, 25, 3), (0, 26, 0), (1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 2, 0), (1, 3, 0),
    (1, 4, 0), (1, 4, 1), (1, 5, 0),
)  # fmt: skip


def feature(name: str) -> Feature:
    return FEATURES[name]


def knows(version: Version, name: str) -> bool:
    """Whether pytest-asyncio `version` understands `name`; False when the version is
    unknown (`()`): nothing is written on a guess."""
    return bool(version) and FEATURES[name].known(version)


def deprecated(version: Version, name: str) -> bool:
    return bool(version) and FEATURES[name].deprecated_in(version)


def minimum(*names: str) -> Version:
    """The first release that knows every one of `names`."""
    return max(FEATURES[n].since for n in names)


def missing(version: Version, *names: str) -> list[str]:
    """Which of `names` pytest-asyncio `version` does not know (all of them when unknown)."""
    return [n for n in names if not knows(version, n)]


def text(version: Version) -> str:
    return ".".join(str(part) for part in version) or "unknown"


def config_keys(version: Version) -> frozenset[str]:
    """The configuration keys pytest-asyncio `version` registers."""
    return frozenset(
        f.name for f in FEATURES.values() if f.kind is Kind.CONFIG and knows(version, f.name)
    )


def unknown_config_keys(version: Version, keys: Collection[str]) -> list[str]:
    """The pytest-asyncio keys among `keys` that `version` does not register (so pytest warns
    'Unknown config option' about them); none when the version is unknown."""
    if not version:
        return []
    ours = [f for f in FEATURES.values() if f.kind is Kind.CONFIG]
    return [f.name for f in ours if f.name in keys and not f.known(version)]
