"""loopsafe never analyses or rewrites its own runtime helper (issue 15, item 2): neither the
copy `loopsafe vendor-helper` writes into a project (its `VENDORED_FROM` line is the marker
the analyser checks), nor loopsafe's installed `loopsafe/runtime` package copied into a tree
(as in a vendored site-packages). Never a finding inside it, never a fix to it; the fixes
elsewhere import it, and the fixed project runs without loopsafe installed.

End to end: real `python -m loopsafe` subprocesses (with a timeout) on real files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import loopsafe
import loopsafe.runtime

API = (
    "import asyncio\n\n\nasync def fetch():\n    return 1\n\n\n"
    "def get():\n    return asyncio.run(fetch())\n"
)
# Run the fixed package with loopsafe made unimportable (a self-import of the helper, the
# reported bug, fails right here).
PROBE = (
    "import sys\n"
    "sys.modules['loopsafe'] = None\n"
    "sys.path.insert(0, '.')\n"
    "from pkg.api import get\n"
    "from pkg import _loopsafe_runtime\n"
    "print(get(), _loopsafe_runtime.VENDORED_FROM)\n"
)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def loopsafe_cmd(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(["-m", "loopsafe", *args], cwd)


def findings(cwd: Path) -> list[tuple[str, str]]:
    proc = loopsafe_cmd(cwd, "check", "--format", "json", "--no-cache")
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((f["path"], f["code"]) for f in json.loads(proc.stdout)["findings"])


def package(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "pkg"\nversion = "0.1"\n')
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "api.py").write_text(API)
    return root


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_vendor_helper_then_fix_leaves_the_helper_alone(tmp_path: Path) -> None:
    root = package(tmp_path / "proj")
    helper = root / "pkg" / "_loopsafe_runtime.py"
    assert loopsafe_cmd(root, "vendor-helper", str(helper)).returncode == 0
    written = helper.read_bytes()
    # The copy holds asyncio.run() and get_event_loop(): analysed, it would have findings.
    assert b"asyncio.run(" in written and b"get_event_loop()" in written

    assert findings(root) == [("pkg/api.py", "LS104")]
    report = loopsafe_cmd(root, "report", "--no-cache")
    assert report.returncode in (0, 1)
    assert "_loopsafe_runtime.py:" not in report.stdout  # no finding located in it

    fixed = loopsafe_cmd(root, "fix", "--unsafe-fixes", "--no-cache")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert helper.read_bytes() == written  # never rewritten (no self-import)
    assert "from pkg._loopsafe_runtime import run_sync" in (root / "pkg" / "api.py").read_text()
    assert findings(root) == []
    probe = run(["-I", "-c", PROBE], root)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["1", "loopsafe", loopsafe.__version__]


def test_a_copy_of_loopsafe_s_installed_runtime_is_never_analysed(tmp_path: Path) -> None:
    """loopsafe's own runtime package, as installed, copied into a project's tree: no
    finding in it, no fix to it, however the tree is named on the command line."""
    root = package(tmp_path / "proj")
    installed = Path(loopsafe.runtime.__file__).parent
    copy = root / "third_party" / "loopsafe" / "runtime"
    shutil.copytree(installed, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy.parent / "__init__.py").write_text("")
    # A runtime module without the marker line (as a newer loopsafe may ship): the package
    # is recognised by its `_core.py`, so it is skipped too.
    (copy / "_extra.py").write_text(API.replace("def get", "def run_it"))
    before = snapshot(copy)
    assert any(b"asyncio.run(" in data for data in before.values())

    assert findings(root) == [("pkg/api.py", "LS104")]
    alone = loopsafe_cmd(root, "check", "--no-cache", "third_party/loopsafe/runtime")
    assert alone.returncode == 0, alone.stdout
    fixed = loopsafe_cmd(root, "fix", "--unsafe-fixes", "--no-cache", ".")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert snapshot(copy) == before
    assert "run_sync" in (root / "pkg" / "api.py").read_text()  # the project's code is fixed
