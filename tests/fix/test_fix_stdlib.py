"""The fixer on a large real codebase: the standard library of the running interpreter.

A copy of its `.py` files (no site-packages) gets `loopsafe fix --unsafe-fixes`; then every
file that compiled before must still compile (some files under `test/` are deliberately
invalid, hence the pre-fix compile pass, run while the fixer works). The files that do
not compile are test data with no loop sites: none of them may be rewritten.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest
from fix_helpers import SUMMARY, child_env

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__"}


def _copy_python_files(source: Path, dest: Path) -> list[str]:
    """Copy every `.py` file under `source` to `dest`; their relative paths."""
    copied = []
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            src = Path(dirpath, name)
            rel = src.relative_to(source)
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            copied.append(rel.as_posix())
    return copied


def _compile_errors(root: Path, files: list[str]) -> dict[str, str]:
    """File -> compile error, for the files that do not compile (in this process: far
    quicker than `compileall`, and nothing is written)."""
    errors = {}
    for rel in files:
        data = (root / rel).read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(data, rel, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            errors[rel] = f"{type(exc).__name__}: {exc}"
    return errors


@pytest.mark.slow
def test_fixing_the_standard_library_breaks_nothing(tmp_path: Path) -> None:
    work = tmp_path / "stdlib"
    files = _copy_python_files(STDLIB, work)
    assert len(files) > 500, f"too few files under {STDLIB}"
    originals = {rel: (work / rel).read_bytes() for rel in files}
    fixer = subprocess.Popen(
        [sys.executable, "-m", "loopsafe", "fix", "--unsafe-fixes", "--no-cache", "."],
        cwd=work,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The pre-fix compile pass reads the interpreter's own files, while the fixer runs.
    before = _compile_errors(STDLIB, files)
    stdout, stderr = fixer.communicate(timeout=240)
    assert "Traceback" not in stderr, stderr
    assert fixer.returncode in (0, 1), stderr + stdout[-3000:]  # not 2: no internal error
    summary = SUMMARY.search(stdout)
    assert summary is not None, stdout[-3000:]
    fixed, fixed_files = int(summary["fixed"]), int(summary["files"])
    skipped = re.findall(r"^  skipped .*$", stdout, re.MULTILINE)
    print(
        f"\nloopsafe fix --unsafe-fixes on the standard library ({len(files)} files): "
        f"{summary.group(0)}\n" + "\n".join(skipped)
    )
    assert not [line for line in skipped if "internal error" in line]

    changed = sorted(rel for rel in files if (work / rel).read_bytes() != originals[rel])
    assert fixed > 0
    assert len(changed) == fixed_files, changed
    after = _compile_errors(work, files)
    new_failures = {rel: error for rel, error in after.items() if rel not in before}
    assert new_failures == {}
    # What did not compile before was not rewritten.
    assert not [rel for rel in before if rel in changed]
    print(f"changed: {', '.join(changed)}; {len(before)} files did not compile before or after")
