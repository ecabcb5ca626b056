"""Where project tools keep a project's virtual environment when it is not activated:
the places `environment.py` looks, in the order it prefers them.

Every place is worked out the way the tool itself names it, from the project's files, the
tool's own configuration files and environment variables, and directory listings. No
program is run (neither the tool nor the environment's Python): loopsafe must be safe on
an untrusted tree, and a tool may not even be installed.

- in the project: `.venv/`, `venv/`, `env/` (also poetry's `virtualenvs.in-project` and
  uv's default);
- activated: `$VIRTUAL_ENV`, then `$CONDA_PREFIX` (unless it is loopsafe's own);
- poetry: `{virtualenvs.path}/{name}-{hash}-py{X.Y}`, `virtualenvs.path` being
  `$POETRY_VIRTUALENVS_PATH`, `poetry.toml`, poetry's `config.toml`, else
  `{cache-dir}/virtualenvs`; `{hash}`: the first 8 characters of the URL-safe base64 of the
  SHA-256 of the project folder (poetry's `EnvManager.generate_env_name`); the `X.Y` that
  `envs.toml` records (`poetry env use`), else the newest. A poetry project whose
  `virtualenvs.in-project` is false (the same three sources) never uses an in-project
  `.venv/`: poetry's own folder is looked at first;
- hatch: for the `default` environment (`hatch.env.virtual.VirtualEnvironment`), its
  `path` (`$HATCH_ENV_TYPE_VIRTUAL_PATH`, else the project's configuration), else
  `{virtual}/{name}/{hash}/{name}`, `{virtual}` being hatch's `dirs.env.virtual` (its
  `config.toml`, relative to the project) or `{data}/env/virtual` (`$HATCH_DATA_DIR`,
  `dirs.data`, else the platform's data folder); flat, `{virtual}/{name}`, when that
  folder is inside the project or is `~/.virtualenvs`;
- tox: `.tox/<env>/`, by name, those with pytest-asyncio installed first;
- conda: `environment.yml`'s `prefix:`, else its `name:` under the usual `envs` folders.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopsafe.untrusted import read_regular

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

IN_PROJECT = (".venv", "venv", "env")
_MAX_CONFIG_BYTES = 1024 * 1024
_POETRY_UNSAFE = re.compile(r'[ $`!*@"\\\r\n\t]')
_PY_SUFFIX = re.compile(r"-py(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Place:
    """A folder that may hold the project's environment, and how messages name it."""

    path: Path
    label: str  # ".venv/", "~/.cache/pypoetry/virtualenvs/app-Ab3dE5fG-py3.11/ (poetry)"
    activated: bool = False  # $VIRTUAL_ENV / $CONDA_PREFIX: checked against loopsafe's own


def places(root: Path, env: dict[str, str] | None = None) -> Iterator[Place]:
    """Every place the project's environment may be, most likely first (see the module
    docstring); a place may not exist."""
    env = dict(os.environ) if env is None else env
    pyproject = _toml(root / "pyproject.toml")
    poetry = list(_poetry(root, pyproject, env))
    central_first = bool(poetry) and poetry_in_project(root, pyproject, env) is False
    if central_first:
        yield from poetry
    for name in IN_PROJECT:
        yield Place(root / name, f"{name}/")
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        active = env.get(variable, "")
        if active:
            yield Place(Path(active), f"{active} (${variable})", activated=True)
    if not central_first:
        yield from poetry
    yield from _hatch(root, pyproject, env)
    yield from _tox(root)
    yield from _conda(root, env)


def shown(path: Path, root: Path, env: dict[str, str]) -> str:
    """`path` for a message: relative to the project, else to the home folder (`~/`)."""
    for base, prefix in ((root, ""), (Path(env.get("HOME") or Path.home()), "~/")):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _toml(path: Path) -> dict[str, Any]:
    data = read_regular(path, _MAX_CONFIG_BYTES)
    if data is None:
        return {}
    try:
        return tomllib.loads(data.decode("utf-8", "replace"))
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return {}


def _get(table: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(table, dict):
            return None
        table = table.get(key)
    return table


def _home(env: dict[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def _user_dir(env: dict[str, str], xdg: str, default: str, macos: str, app: str) -> Path:
    """A user folder of `app` as platformdirs names it: `$XDG_...` or `~/DEFAULT` on
    Linux, `~/Library/MACOS` on macOS, `%LOCALAPPDATA%` on Windows."""
    if sys.platform == "darwin":
        return _home(env) / "Library" / macos / app
    if os.name == "nt":
        return Path(env.get("LOCALAPPDATA") or _home(env) / "AppData" / "Local") / app
    return Path(env.get(xdg) or _home(env) / default) / app


def _project_name(pyproject: dict[str, Any], *tables: tuple[str, ...]) -> str:
    for keys in tables:
        name = _get(pyproject, *keys)
        if isinstance(name, str) and name:
            return name
    return ""


def normalise(name: str) -> str:
    """A project name as packaging normalises it (PEP 503): `My_App` -> `my-app`."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------- poetry
def poetry_env_name(name: str, project: Path) -> str:
    """`{name}-{hash}` as poetry's `EnvManager.generate_env_name` makes it."""
    sanitized = _POETRY_UNSAFE.sub("_", normalise(name))[:42]
    folder = os.path.normcase(os.path.realpath(project))
    digest = hashlib.sha256(folder.encode("utf-8", "surrogateescape")).digest()
    return f"{sanitized}-{base64.urlsafe_b64encode(digest).decode()[:8]}"


def _poetry_configs(root: Path, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The project's `poetry.toml` and poetry's own `config.toml`."""
    config_dir = Path(
        env.get("POETRY_CONFIG_DIR")
        or _user_dir(env, "XDG_CONFIG_HOME", ".config", "Application Support", "pypoetry")
    )
    if os.name == "nt" and not env.get("POETRY_CONFIG_DIR"):
        config_dir = Path(env.get("APPDATA") or _home(env)) / "pypoetry"
    return _toml(root / "poetry.toml"), _toml(config_dir / "config.toml")


def poetry_in_project(root: Path, pyproject: dict[str, Any], env: dict[str, str]) -> bool | None:
    """`virtualenvs.in-project` for a project poetry manages (None: not set, or not a
    poetry project, whose tools read no poetry setting)."""
    managed = (
        isinstance(_get(pyproject, "tool", "poetry"), dict)
        or str(_get(pyproject, "build-system", "build-backend") or "").startswith("poetry")
        or (root / "poetry.lock").is_file()
    )
    if not managed:
        return None
    variable = env.get("POETRY_VIRTUALENVS_IN_PROJECT")
    if variable is not None:  # poetry reads "true" and "1" as true, anything else false
        return variable.strip().lower() in ("true", "1")
    for config in _poetry_configs(root, env):
        value = _get(config, "virtualenvs", "in-project")
        if isinstance(value, bool):
            return value
    return None


def poetry_virtualenvs(root: Path, env: dict[str, str]) -> Path:
    """The folder poetry keeps its virtual environments in."""
    local, user = _poetry_configs(root, env)
    cache = env.get("POETRY_CACHE_DIR") or _get(user, "cache-dir")
    if not isinstance(cache, str) or not cache:
        cache_dir = _user_dir(env, "XDG_CACHE_HOME", ".cache", "Caches", "pypoetry")
        cache = str(cache_dir / "Cache" if os.name == "nt" else cache_dir)
    configured = (
        env.get("POETRY_VIRTUALENVS_PATH")
        or _get(local, "virtualenvs", "path")
        or _get(user, "virtualenvs", "path")
    )
    if not isinstance(configured, str) or not configured:
        return Path(cache) / "virtualenvs"
    return Path(os.path.expanduser(configured.replace("{cache-dir}", cache)))


def _poetry(root: Path, pyproject: dict[str, Any], env: dict[str, str]) -> Iterator[Place]:
    name = _project_name(pyproject, ("project", "name"), ("tool", "poetry", "name"))
    if not name:
        return
    prefix = poetry_env_name(name, root)
    folder = poetry_virtualenvs(root, env)
    try:
        names = [e.name for e in os.scandir(folder) if e.name.startswith(f"{prefix}-py")]
    except OSError:
        return
    versions = {n: tuple(int(g) for g in m.groups()) for n in names if (m := _PY_SUFFIX.search(n))}
    active = _get(_toml(folder / "envs.toml"), prefix, "minor")
    ordered = sorted(
        versions, key=lambda n: (n != f"{prefix}-py{active}", [-v for v in versions[n]])
    )
    if ordered:  # poetry uses one at a time: the one `poetry env use` chose, else the newest
        found = folder / ordered[0]
        yield Place(found, f"{shown(found, root, env)}/ (poetry)")


# --------------------------------------------------------------------------- hatch
def _expand(text: str, env: dict[str, str]) -> str:
    """`$VAR`, `${VAR}` and a leading `~` as hatch expands its folder settings."""
    text = re.sub(
        r"\$(\w+)|\$\{([^}]*)\}",
        lambda m: env.get(m.group(1) or m.group(2), m.group(0)),
        text,
    )
    if text == "~" or text.startswith(("~/", "~\\")):
        text = str(_home(env)) + text[1:]
    return text


def hatch_config(env: dict[str, str]) -> dict[str, Any]:
    """Hatch's own `config.toml` (`$HATCH_CONFIG`, else the platform's config folder)."""
    configured = env.get("HATCH_CONFIG")
    if configured:
        return _toml(Path(configured))
    folder = _user_dir(env, "XDG_CONFIG_HOME", ".config", "Application Support", "hatch")
    return _toml(folder / "config.toml")


def hatch_virtual_dir(root: Path, env: dict[str, str], config: dict[str, Any]) -> Path:
    """The folder hatch keeps virtual environments in: `dirs.env.virtual`, relative to
    the project when it is not absolute, else `{data}/env/virtual`."""
    configured = _get(config, "dirs", "env", "virtual")
    if isinstance(configured, str) and configured:
        path = Path(_expand(configured, env))
        return path if path.is_absolute() else root / path
    data = env.get("HATCH_DATA_DIR") or _get(config, "dirs", "data")
    if isinstance(data, str) and data:
        return Path(_expand(data, env)) / "env" / "virtual"
    default = _user_dir(env, "XDG_DATA_HOME", ".local/share", "Application Support", "hatch")
    return default / "env" / "virtual"


def hatch_default_env(
    root: Path, name: str, env: dict[str, str], config: dict[str, Any] | None = None
) -> Path:
    """Where `hatch env create` puts the `default` environment of the project at `root`
    (`config`: hatch's own, read when not given)."""
    virtual = hatch_virtual_dir(root, env, hatch_config(env) if config is None else config)
    project = normalise(name)
    real_root = Path(os.path.realpath(root))
    if (
        real_root in Path(os.path.realpath(virtual)).parents
        or virtual == _home(env) / ".virtualenvs"
    ):
        return virtual / project  # hatch's "flat structure"
    checksum = base64.urlsafe_b64encode(hashlib.sha256(str(root).encode()).digest()).decode()[:8]
    return virtual / project / checksum / project


def _hatch(root: Path, pyproject: dict[str, Any], env: dict[str, str]) -> Iterator[Place]:
    name = _project_name(pyproject, ("project", "name"))
    if not name:
        return
    hatch_toml = _toml(root / "hatch.toml")
    configured = (
        env.get("HATCH_ENV_TYPE_VIRTUAL_PATH")
        or _get(hatch_toml, "envs", "default", "path")
        or _get(pyproject, "tool", "hatch", "envs", "default", "path")
    )
    if isinstance(configured, str) and configured:
        path = Path(configured) if os.path.isabs(configured) else root / configured
        yield Place(path, f"{shown(path, root, env)}/ (hatch)")
        return
    config = hatch_config(env)
    seen = []
    for folder in (root, Path(os.path.realpath(root))):
        path = hatch_default_env(folder, name, env, config)
        if path not in seen:
            seen.append(path)
            yield Place(path, f"{shown(path, root, env)}/ (hatch)")


# --------------------------------------------------------------------------- tox
def _tox(root: Path) -> Iterator[Place]:
    try:
        names = sorted(e.name for e in os.scandir(root / ".tox") if not e.name.startswith("."))
    except OSError:
        return
    with_it = [n for n in names if _has_pytest_asyncio(root / ".tox" / n)]
    for name in with_it + [n for n in names if n not in with_it]:
        yield Place(root / ".tox" / name, f".tox/{name}/ (tox)")


def _has_pytest_asyncio(venv: Path) -> bool:
    for site in site_packages(venv):
        try:
            if any(e.name.lower().startswith("pytest_asyncio-") for e in os.scandir(site)):
                return True
        except OSError:
            continue
    return False


def site_packages(venv: Path) -> list[Path]:
    """site-packages of a virtual environment (POSIX and Windows layouts), sorted."""
    if not (venv / "pyvenv.cfg").is_file() and not (venv / "lib").is_dir():
        return []
    found: list[Path] = []
    for lib in ("lib", "lib64"):
        try:
            pythons = sorted(os.scandir(venv / lib), key=lambda e: e.name)
        except OSError:
            continue
        for entry in pythons:
            if entry.name.startswith("python3") and os.path.isdir(entry.path):
                site = Path(entry.path) / "site-packages"
                if site.is_dir() and site not in found:
                    found.append(site)
    windows = venv / "Lib" / "site-packages"
    if windows.is_dir() and not found:
        found.append(windows)
    return found


# --------------------------------------------------------------------------- conda
def conda_envs_dirs(env: dict[str, str]) -> list[Path]:
    """The folders conda keeps named environments in, the configured ones first."""
    home = _home(env)
    dirs = [
        Path(p)
        for v in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS")
        for p in env.get(v, "").split(os.pathsep)
        if p
    ]
    for variable in ("MAMBA_ROOT_PREFIX", "CONDA_ROOT"):
        if env.get(variable):
            dirs.append(Path(env[variable]) / "envs")
    if env.get("CONDA_EXE"):
        dirs.append(Path(env["CONDA_EXE"]).parent.parent / "envs")
    dirs.append(home / ".conda" / "envs")
    for install in ("miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba"):
        dirs.append(home / install / "envs")
    dirs.append(Path("/opt/conda/envs"))
    unique: list[Path] = []
    for directory in dirs:
        if directory not in unique:
            unique.append(directory)
    return unique


def _conda(root: Path, env: dict[str, str]) -> Iterator[Place]:
    for file_name in ("environment.yml", "environment.yaml"):
        data = read_regular(root / file_name, _MAX_CONFIG_BYTES)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        prefix = re.search(r"(?m)^prefix:[ \t]*['\"]?([^'\"\n#]+?)['\"]?[ \t]*(?:#.*)?$", text)
        if prefix:
            path = Path(os.path.expanduser(prefix.group(1)))
            yield Place(path, f"{shown(path, root, env)}/ (conda, {file_name})")
        name = re.search(r"(?m)^name:[ \t]*['\"]?([\w.+-]+)['\"]?[ \t]*(?:#.*)?$", text)
        if name:
            for directory in conda_envs_dirs(env):
                path = directory / name.group(1)
                yield Place(path, f"{shown(path, root, env)}/ (conda, {file_name})")
        return
