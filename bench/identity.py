"""Snapshot what loopsafe says and would change, to prove a refactoring changed nothing.

For every corpus (each case under tests/cases, the example project, a copy of the standard
library, a copy of the venv's site-packages) it stores the JSON findings and the unified
diff of `--diff --unsafe-fixes`, byte for byte. Run it before and after a change, then
compare the two folders:

    python bench/identity.py snapshot /tmp/before
    ... change the code ...
    python bench/identity.py snapshot /tmp/after
    python bench/identity.py compare /tmp/before /tmp/after

`--only cases,example` limits the corpora; `--ignore LS401` leaves out rules added since
the snapshot you compare with (their findings are new, not changed).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CORPORA = ("cases", "example", "stdlib", "site-packages")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".loopsafe_cache", "*.fixed.*")


def _run(args: list[str], cwd: Path, ignore: str) -> bytes:
    command = [str(BIN / "loopsafe"), *args, "--no-cache", "-j", "1", "--exit-zero"]
    if ignore:
        command += ["--ignore", ignore]
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}\n".encode() + done.stderr
    return done.stdout


def _trees(corpus: str, work: Path) -> Iterator[tuple[str, Path]]:
    """(name, a fresh copy to analyse) for each project of the corpus."""
    if corpus == "cases":
        for case in sorted((REPO / "tests" / "cases").iterdir()):
            if case.name.count(".") > 1 or case.name.startswith((".", "__")):
                continue  # stored fixed outputs
            dest = work / case.name.removesuffix(".py")
            dest.mkdir()
            if case.is_dir():
                shutil.copytree(case, dest / case.name, ignore=_IGNORE)
            else:
                shutil.copy2(case, dest / case.name)
            yield f"cases/{case.name}", dest
    elif corpus == "example":
        dest = work / "newsroom"
        shutil.copytree(REPO / "examples" / "newsroom", dest, ignore=_IGNORE)
        yield "example", dest
    elif corpus == "stdlib":
        dest = work / "stdlib"
        shutil.copytree(
            sysconfig.get_paths()["stdlib"],
            dest,
            ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"),
            symlinks=True,
        )
        yield "stdlib", dest
    elif corpus == "site-packages":
        dest = work / "site-packages"
        shutil.copytree(sysconfig.get_paths()["purelib"], dest, ignore=_IGNORE, symlinks=True)
        yield "site-packages", dest


def snapshot(out: Path, corpora: list[str], ignore: str = "") -> None:
    out.mkdir(parents=True, exist_ok=True)
    for corpus in corpora:
        with tempfile.TemporaryDirectory(prefix="loopsafe-identity-") as tmp:
            for name, tree in _trees(corpus, Path(tmp)):
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                found = _run(["check", "--format", "json"], tree, ignore)
                target.with_suffix(".json").write_bytes(found)
                fixes = _run(["check", "--diff", "--unsafe-fixes"], tree, ignore)
                target.with_suffix(".diff").write_bytes(fixes)
                print(f"{name}: done", flush=True)


def compare(before: Path, after: Path) -> int:
    changed = 0
    names = sorted(
        {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
        | {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    )
    for name in names:
        a, b = before / name, after / name
        old = a.read_bytes() if a.exists() else b""
        new = b.read_bytes() if b.exists() else b""
        if old == new:
            continue
        changed += 1
        diff = difflib.unified_diff(
            old.decode("utf-8", "replace").splitlines(keepends=True),
            new.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"before/{name}",
            tofile=f"after/{name}",
        )
        sys.stdout.writelines(diff)
    print(f"{len(names)} snapshot files, {changed} differ", file=sys.stderr)
    return 1 if changed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    snap.add_argument("--only", default=",".join(CORPORA))
    snap.add_argument("--ignore", default="", help="rule codes to leave out (new rules)")
    cmp = sub.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        corpora = [c for c in args.only.split(",") if c]
        unknown = sorted(set(corpora) - set(CORPORA))
        if unknown:
            parser.error(f"unknown corpus {unknown[0]!r}; expected one of {', '.join(CORPORA)}")
        snapshot(args.out, corpora, args.ignore)
    else:
        raise SystemExit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
