"""The project's environment is found where poetry, hatch, tox and conda keep it, without
being activated and without running anything (issue 15, environments): the verdicts that
depend on the pytest-asyncio release follow it, and the message names which environment
was used, and the others found when there are several.

Each layout is built for real under a temporary HOME (virtual environments with a
`pyvenv.cfg` and a pytest-asyncio dist-info, as pip leaves it); every run is a real
`python -m loopsafe` subprocess whose environment has no VIRTUAL_ENV, CONDA_PREFIX or XDG
variables but those a test sets. The names of poetry's and hatch's folders are derived
here from the tools' own rules, and pinned once against what the real tools (poetry
2.5.1, hatch 1.18.2) made for one project folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loopsafe.discover.tool_envs import (
    hatch_config,
    hatch_default_env,
    hatch_virtual_dir,
    poetry_env_name,
    poetry_virtualenvs,
)

TEST = (
    "import asyncio\n\nimport pytest\n\n\n"
    '@pytest.mark.asyncio(scope="module")\n'
    "async def test_ping() -> None:\n    await asyncio.sleep(0)\n"
)
PYPROJECT = (
    '[project]\nname = "My_App"\nversion = "0.1.0"\n\n'
    '[tool.pytest.ini_options]\nasyncio_mode = "strict"\n'
)
ASSUMED = "assumed: the one loopsafe runs with"
PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "work" / "my-app"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "tests" / "test_client.py").write_text(TEST)
    return root


def make_venv(prefix: Path, pytest_asyncio: str | None = None, python: str = PY) -> Path:
    """A virtual environment as `python -m venv` and pip leave it, as far as loopsafe
    reads: `pyvenv.cfg` and a dist-info folder with its METADATA."""
    site = prefix / "lib" / python / "site-packages"
    site.mkdir(parents=True)
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    if pytest_asyncio is not None:
        info = site / f"pytest_asyncio-{pytest_asyncio}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: pytest-asyncio\nVersion: {pytest_asyncio}\n"
        )
    return prefix


def urlsafe_hash(folder: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(folder.encode()).digest()).decode()[:8]


def messages(root: Path, home: Path, **extra: str) -> list[str]:
    """The messages of `loopsafe check --format json` in `root`, with `home` as HOME."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "XDG_", "POETRY_", "HATCH_", "CONDA", "MAMBA"))
        and k != "VIRTUAL_ENV"
    }
    env.update(HOME=str(home), NO_COLOR="1", **extra)
    proc = subprocess.run(
        [sys.executable, "-m", "loopsafe", "check", "--no-cache", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    return [f["message"] for f in json.loads(proc.stdout)["findings"]]


def used(label: str, version: str = "0.21.1", others: str = "") -> str:
    """How a message names the environment a version was read from (and the others)."""
    chosen_over = f", chosen over {others}" if others else ""
    return f"pytest-asyncio {version} ({label} (pytest_asyncio-{version}.dist-info){chosen_over})"


def assert_used(found: list[str], label: str, version: str = "0.21.1", others: str = "") -> None:
    assert found and all(used(label, version, others) in m for m in found), (label, found)


def test_nothing_found_is_assumed(tmp_path: Path) -> None:
    root = project(tmp_path)
    found = messages(root, tmp_path / "home")
    assert found and all(ASSUMED in m for m in found), found


def test_poetry_central_virtualenv(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    name = f"my-app-{urlsafe_hash(os.path.normcase(os.path.realpath(root)))}"
    venvs = home / ".cache" / "pypoetry" / "virtualenvs"
    make_venv(venvs / f"{name}-py3.9", "0.20.3", python="python3.9")
    make_venv(venvs / f"{name}-py3.11", "0.21.1", python="python3.11")
    make_venv(venvs / "other-project-AAAAAAAA-py3.11", "0.23.8")
    # Without envs.toml: the newest Python's.
    assert_used(messages(root, home), f"~/.cache/pypoetry/virtualenvs/{name}-py3.11/ (poetry)")
    # envs.toml says which one `poetry env use` chose.
    (venvs / "envs.toml").write_text(f'[{name}]\nminor = "3.9"\npatch = "3.9.18"\n')
    label = f"~/.cache/pypoetry/virtualenvs/{name}-py3.9/ (poetry)"
    assert_used(messages(root, home), label, "0.20.3")


def test_poetry_cache_dir_and_virtualenvs_path(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    name = f"my-app-{urlsafe_hash(os.path.realpath(root))}"
    cache = tmp_path / "poetry-cache"
    make_venv(cache / "virtualenvs" / f"{name}-py3.11", "0.21.1", python="python3.11")
    found = messages(root, home, POETRY_CACHE_DIR=str(cache))
    assert_used(found, f"{cache.as_posix()}/virtualenvs/{name}-py3.11/ (poetry)")

    elsewhere = home / "envs"
    make_venv(elsewhere / f"{name}-py3.12", "0.23.8", python="python3.12")
    (root / "poetry.toml").write_text('[virtualenvs]\npath = "~/envs"\n')
    assert_used(messages(root, home), f"~/envs/{name}-py3.12/ (poetry)", "0.23.8")
    # XDG_CACHE_HOME moves the default cache dir; poetry.toml's path still wins.
    assert_used(
        messages(root, home, XDG_CACHE_HOME=str(cache)),
        f"~/envs/{name}-py3.12/ (poetry)",
        "0.23.8",
    )


def test_hatch_default_environment(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    checksum = urlsafe_hash(str(root))
    make_venv(
        home / ".local" / "share" / "hatch" / "env" / "virtual" / "my-app" / checksum / "my-app",
        "0.21.1",
    )
    label = f"~/.local/share/hatch/env/virtual/my-app/{checksum}/my-app/ (hatch)"
    assert_used(messages(root, home), label)

    data = tmp_path / "hatch-data"
    make_venv(data / "env" / "virtual" / "my-app" / checksum / "my-app", "0.23.8")
    found = messages(root, home, HATCH_DATA_DIR=str(data))
    label = f"{data.as_posix()}/env/virtual/my-app/{checksum}/my-app/ (hatch)"
    assert all(used(label, "0.23.8") in m for m in found), found


def test_hatch_configured_path(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    make_venv(root / "envs" / "dev", "0.21.1")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.hatch.envs.default]\npath = "envs/dev"\n')
    assert_used(messages(root, home), "envs/dev/ (hatch)")


def test_tox_prefers_an_environment_with_pytest_asyncio(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    make_venv(root / ".tox" / "lint")
    make_venv(root / ".tox" / "py311", "0.21.1")
    make_venv(root / ".tox" / ".pkg")  # tox's own packaging environment
    assert_used(messages(root, home), ".tox/py311/ (tox)", others=".tox/lint/ (tox)")


def test_conda_activated_and_from_environment_yml(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    named = make_venv(home / "miniconda3" / "envs" / "my-env", "0.21.1")
    (named / "conda-meta").mkdir()
    (root / "environment.yml").write_text("name: my-env\nchannels:\n  - conda-forge\n")
    assert_used(messages(root, home), "~/miniconda3/envs/my-env/ (conda, environment.yml)")

    prefixed = make_venv(tmp_path / "conda-prefix", "0.23.8")
    (root / "environment.yml").write_text(f"name: my-env\nprefix: {prefixed}\n")
    found = messages(root, home)
    by_name = "~/miniconda3/envs/my-env/ (conda, environment.yml)"
    by_prefix = f"{prefixed.as_posix()}/ (conda, environment.yml)"
    assert all(used(by_prefix, "0.23.8", by_name) in m for m in found), found

    active = make_venv(tmp_path / "active", "0.20.3")
    found = messages(root, home, CONDA_PREFIX=str(active))
    others = f"{by_prefix}, {by_name}"
    assert all(used(f"{active} ($CONDA_PREFIX)", "0.20.3", others) in m for m in found), found


def test_several_found_the_first_is_used_and_the_others_named(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    make_venv(root / ".venv", "0.21.1")
    make_venv(root / ".tox" / "py311", "0.23.8")
    name = f"my-app-{urlsafe_hash(os.path.realpath(root))}"
    make_venv(home / ".cache" / "pypoetry" / "virtualenvs" / f"{name}-py3.11", "0.23.8")
    others = f"~/.cache/pypoetry/virtualenvs/{name}-py3.11/ (poetry), .tox/py311/ (tox)"
    assert_used(messages(root, home), ".venv/", others=others)
    # Without pytest-asyncio in the first: "not installed in" names the same choice.
    (
        root
        / ".venv"
        / "lib"
        / PY
        / "site-packages"
        / "pytest_asyncio-0.21.1.dist-info"
        / "METADATA"
    ).unlink()
    (root / ".venv" / "lib" / PY / "site-packages" / "pytest_asyncio-0.21.1.dist-info").rmdir()
    found = messages(root, home)
    assert found and all(f"not installed in .venv/, chosen over {others}" in m for m in found)


def test_names_match_what_the_real_tools_made(tmp_path: Path) -> None:
    """`poetry env use` (poetry 2.5.1) and `hatch env create` (hatch 1.18.2), run once by
    hand on a project named `My_App.core` in /tmp/i15-real/My_Proj, made
    `my-app-core-NGi8VRnI-py3.11` and `my-app-core/NGi8VRnI/my-app-core`."""
    folder = Path("/tmp/i15-real/My_Proj")
    if os.path.realpath(folder) != str(folder):
        pytest.skip("/tmp is a symlink here: poetry would hash another path")
    assert poetry_env_name("My_App.core", folder) == "my-app-core-NGi8VRnI"
    data = tmp_path / "data"
    path = hatch_default_env(folder, "My_App.core", {"HATCH_DATA_DIR": str(data)})
    assert path == data / "env" / "virtual" / "my-app-core" / "NGi8VRnI" / "my-app-core"


def test_poetry_in_project_false_puts_poetrys_own_folder_first(tmp_path: Path) -> None:
    """poetry never uses an in-project `.venv/` when `virtualenvs.in-project` is false."""
    root, home = project(tmp_path), tmp_path / "home"
    make_venv(root / ".venv", "0.21.1")
    name = f"my-app-{urlsafe_hash(os.path.normcase(os.path.realpath(root)))}"
    central = f"~/.cache/pypoetry/virtualenvs/{name}-py3.11/ (poetry)"
    make_venv(home / ".cache" / "pypoetry" / "virtualenvs" / f"{name}-py3.11", "0.23.8")
    # Not a poetry project: poetry's settings say nothing about it.
    user_config = home / ".config" / "pypoetry" / "config.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text("[virtualenvs]\nin-project = false\n")
    assert_used(messages(root, home), ".venv/", others=central)
    # A poetry project (its lock file): the user's setting applies.
    (root / "poetry.lock").write_text("# poetry lock\n")
    assert_used(messages(root, home), central, "0.23.8", others=".venv/")
    # The project's poetry.toml overrides the user's, the variable overrides both.
    (root / "poetry.toml").write_text("[virtualenvs]\nin-project = true\n")
    assert_used(messages(root, home), ".venv/", others=central)
    found = messages(root, home, POETRY_VIRTUALENVS_IN_PROJECT="false")
    assert_used(found, central, "0.23.8", others=".venv/")


def test_hatch_dirs_env_and_data_settings(tmp_path: Path) -> None:
    root, home = project(tmp_path), tmp_path / "home"
    config = home / ".config" / "hatch" / "config.toml"
    config.parent.mkdir(parents=True)
    # A folder inside the project: hatch's flat layout, {virtual}/{name}.
    config.write_text('[dirs.env]\nvirtual = ".hatch"\n')
    make_venv(root / ".hatch" / "my-app", "0.21.1")
    assert_used(messages(root, home), ".hatch/my-app/ (hatch)")
    # ~/.virtualenvs is flat too.
    config.write_text('[dirs.env]\nvirtual = "~/.virtualenvs"\n')
    make_venv(home / ".virtualenvs" / "my-app", "0.23.8")
    assert_used(messages(root, home), "~/.virtualenvs/my-app/ (hatch)", "0.23.8")
    # Elsewhere: {virtual}/{name}/{hash}/{name}, with $VARS expanded.
    checksum = urlsafe_hash(str(root))
    config.write_text('[dirs.env]\nvirtual = "$ENVS_ROOT/hatch"\n')
    make_venv(tmp_path / "envs" / "hatch" / "my-app" / checksum / "my-app", "0.20.3")
    found = messages(root, home, ENVS_ROOT=str(tmp_path / "envs"))
    label = f"{(tmp_path / 'envs').as_posix()}/hatch/my-app/{checksum}/my-app/ (hatch)"
    assert_used(found, label, "0.20.3")
    # dirs.data moves {data}/env/virtual; HATCH_CONFIG names another config file.
    other = tmp_path / "hatch-config.toml"
    other.write_text(f'[dirs]\ndata = "{(tmp_path / "data").as_posix()}"\n')
    make_venv(tmp_path / "data" / "env" / "virtual" / "my-app" / checksum / "my-app", "0.21.1")
    found = messages(root, home, HATCH_CONFIG=str(other))
    label = f"{(tmp_path / 'data').as_posix()}/env/virtual/my-app/{checksum}/my-app/ (hatch)"
    assert_used(found, label)
    # $HATCH_ENV_TYPE_VIRTUAL_PATH names the environment outright.
    make_venv(root / "custom-env", "0.23.8")
    found = messages(root, home, HATCH_ENV_TYPE_VIRTUAL_PATH="custom-env")
    assert_used(found, "custom-env/ (hatch)", "0.23.8")


def test_macos_folders_are_those_platformdirs_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """poetry and hatch find their folders with platformdirs: on macOS, loopsafe's names
    for them are platformdirs' own (checked here on Linux by asking platformdirs' macOS
    class; Windows paths cannot be built on a POSIX system). Without XDG variables:
    recent platformdirs releases (4.14 here) honour them on macOS too, older ones do not, and loopsafe
    follows the older, Library-only layout there."""
    macos = pytest.importorskip("platformdirs.macos")
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))  # what platformdirs expands `~` with
    for variable in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    env = {"HOME": str(home)}
    poetry = macos.MacOS("pypoetry", appauthor=False)
    hatch = macos.MacOS("hatch", appauthor=False)
    assert poetry_virtualenvs(tmp_path, env) == Path(poetry.user_cache_dir) / "virtualenvs"
    config = Path(hatch.user_config_dir) / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[dirs]\ndata = "/elsewhere"\n')
    assert hatch_config(env) == {"dirs": {"data": "/elsewhere"}}
    config.unlink()
    expected = Path(hatch.user_data_dir) / "env" / "virtual"
    assert hatch_virtual_dir(tmp_path, env, hatch_config(env)) == expected
