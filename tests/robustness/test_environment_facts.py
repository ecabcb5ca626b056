"""Verdicts that depend on an environment (which pytest-asyncio the project runs) follow it:
the result cache's key holds the facts they used, so installing or upgrading pytest-asyncio
after a run gives a new verdict (issue 15, item 8); and the environment loopsafe itself is
installed in (pre-commit's isolated one, say) changes nothing when the project's own
environment is found, and is named as an assumption when it is not.

Every run is a real `python -m loopsafe` subprocess with a timeout; the second loopsafe
environment is a real virtual environment (made without pip, loopsafe and its
dependencies reached through a .pth file) holding another pytest-asyncio release.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import loopsafe

TEST = (
    "import asyncio\n\nimport pytest\n\n\n"
    '@pytest.mark.asyncio(scope="module")\n'
    "async def test_ping() -> None:\n    await asyncio.sleep(0)\n"
)
PYPROJECT = (
    '[project]\nname = "proj"\nversion = "0.1.0"\n\n'
    '[tool.pytest.ini_options]\nasyncio_mode = "strict"\n'
)


def project(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "tests" / "test_client.py").write_text(TEST)
    return root


def install_fake(site_packages: Path, version: str) -> None:
    """What `pip install pytest-asyncio==VERSION` leaves that loopsafe reads: the
    dist-info folder and its METADATA (any other release removed first)."""
    site_packages.mkdir(parents=True, exist_ok=True)
    for old in site_packages.glob("pytest_asyncio-*.dist-info"):
        shutil.rmtree(old)
    info = site_packages / f"pytest_asyncio-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: pytest-asyncio\nVersion: {version}\n"
    )


def project_venv(root: Path) -> Path:
    return root / ".venv" / "lib" / "python3.11" / "site-packages"


def check(
    root: Path, *args: str, python: str = sys.executable, virtual_env: str = ""
) -> list[tuple[str, int, str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("VIRTUAL_ENV", None)
    if virtual_env:
        env["VIRTUAL_ENV"] = virtual_env
    proc = subprocess.run(
        [python, "-m", "loopsafe", "check", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    return sorted((f["path"], f["line"], f["code"], f["message"]) for f in findings)


def test_installing_pytest_asyncio_in_the_project_is_a_new_verdict(tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    before = check(root)
    assert before == check(root, "--no-cache")
    assert (root / ".loopsafe_cache" / "run.json").is_file()  # the run was cached
    assert all("assumed: the one loopsafe runs with" in m for *_, m in before), before

    install_fake(project_venv(root), "0.21.1")
    installed = check(root)
    assert installed == check(root, "--no-cache")
    assert installed != before
    assert [(code, "0.21.1 (.venv/" in m) for _, _, code, m in installed] == [("LS302", True)]

    install_fake(project_venv(root), "0.23.8")  # an upgrade: another verdict again
    upgraded = check(root)
    assert upgraded == check(root, "--no-cache")
    assert upgraded != installed
    assert all("pytest-asyncio 0.23.8 (.venv/" in m for *_, m in upgraded), upgraded


@pytest.fixture(scope="module")
def other_loopsafe(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A second environment running this loopsafe, with pytest-asyncio 0.21.1 installed
    in it (the test suite's own environment has another release)."""
    home = tmp_path_factory.mktemp("isolated") / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    install_fake(site, "0.21.1")
    source = Path(loopsafe.__file__).resolve().parents[1]
    (site / "loopsafe_dev.pth").write_text(f"{source}\n{sysconfig.get_paths()['purelib']}\n")
    return str(python)


def own_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "from importlib.metadata import version; print(version('pytest-asyncio'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


def test_where_loopsafe_is_installed_changes_nothing_when_the_project_venv_is_found(
    tmp_path: Path, other_loopsafe: str
) -> None:
    assert own_version(other_loopsafe) == "0.21.1" != own_version(sys.executable)
    root = project(tmp_path / "proj")
    install_fake(project_venv(root), "0.23.8")
    here = check(root, "--no-cache")
    assert here == check(root, "--no-cache", python=other_loopsafe)
    assert here and all("pytest-asyncio 0.23.8 (.venv/" in m for *_, m in here), here


def test_without_a_project_venv_the_assumed_version_is_named(
    tmp_path: Path, other_loopsafe: str
) -> None:
    root = project(tmp_path / "proj")
    mine = check(root, "--no-cache")
    other = check(root, "--no-cache", python=other_loopsafe)
    assert mine != other  # the two environments hold different releases ...
    version = own_version(sys.executable)
    assert all(f"{version} (assumed: the one loopsafe runs with)" in m for *_, m in mine)
    assert all("0.21.1 (assumed: the one loopsafe runs with)" in m for *_, m in other)


def test_a_project_venv_without_pytest_asyncio_is_not_filled_in_by_loopsafe_s(
    tmp_path: Path, other_loopsafe: str
) -> None:
    """The project's environment is found but lacks pytest-asyncio: the range its files
    give decides, never the release next to loopsafe."""
    root = project(tmp_path / "proj")
    (root / "requirements-test.txt").write_text("pytest-asyncio>=0.21\n")
    project_venv(root).mkdir(parents=True)
    here = check(root, "--no-cache")
    assert here == check(root, "--no-cache", python=other_loopsafe)
    assert here and all("0.21 (requirements-test.txt)" in m for *_, m in here), here


def test_a_hostile_project_venv_neither_hangs_nor_is_believed_beyond_its_name(
    tmp_path: Path,
) -> None:
    """The project's .venv comes with the repository: a FIFO or /dev/zero as METADATA is
    not read (the folder's name still says the version), and nothing hangs."""
    root = project(tmp_path / "proj")
    site = project_venv(root)
    install_fake(site, "0.21.1")
    metadata = site / "pytest_asyncio-0.21.1.dist-info" / "METADATA"
    metadata.unlink()
    os.mkfifo(metadata)
    fifo = check(root, "--no-cache")
    assert fifo and all("0.21.1 (.venv/" in m for *_, m in fifo), fifo
    metadata.unlink()
    metadata.symlink_to("/dev/zero")
    assert check(root, "--no-cache") == fifo


def test_virtual_env_counts_only_when_it_is_not_loopsafe_s_own(
    tmp_path: Path, other_loopsafe: str
) -> None:
    """pre-commit runs a hook with $VIRTUAL_ENV set to the hook's own environment: that is
    loopsafe's, not the project's. A project environment kept outside the tree and
    activated (poetry's, say) is the project's, whichever loopsafe runs."""
    root = project(tmp_path / "proj")
    hook_env = str(Path(other_loopsafe).parents[1])
    as_hook = check(root, "--no-cache", python=other_loopsafe, virtual_env=hook_env)
    assert as_hook == check(root, "--no-cache", python=other_loopsafe)
    assert all("0.21.1 (assumed: the one loopsafe runs with)" in m for *_, m in as_hook)

    elsewhere = tmp_path / "poetry-env"
    install_fake(elsewhere / "lib" / "python3.11" / "site-packages", "0.23.8")
    (elsewhere / "pyvenv.cfg").write_text("home = /usr/bin\n")
    mine = check(root, "--no-cache", virtual_env=str(elsewhere))
    assert mine == check(root, "--no-cache", python=other_loopsafe, virtual_env=str(elsewhere))
    assert mine and all(f"0.23.8 ({elsewhere} ($VIRTUAL_ENV)" in m for *_, m in mine), mine
