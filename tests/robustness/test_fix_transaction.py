"""`loopsafe fix` writes as one transaction (issue 15, items 1, 4, 5 and 10's newlines).

Real `python -m loopsafe` subprocesses fix a real multi-file chain (a callee made
`async def`, its two callers given `await`); the test-only hook LOOPSAFE_TEST_PAUSE holds
them at a known point so real signals land there. After each run the tree is all old or
all new, or the next run of any command finishes or undoes the change and says so.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from loopsafe import transaction
from loopsafe.transaction import TransactionError, Write, commit, recover

CHAIN = {
    "pyproject.toml": "# the project root\n",
    "shop/__init__.py": "",
    "shop/lib.py": """
        import asyncio


        def fetch():
            return asyncio.run(asyncio.sleep(0, "x"))
        """,
    "shop/a.py": """
        from shop.lib import fetch


        async def handler():
            return fetch()
        """,
    "shop/b.py": """
        from shop.lib import fetch


        async def other():
            return fetch()
        """,
}
FIX = ["fix", "--unsafe-fixes", "--no-cache", "."]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (hidden ones too: staged files must not be left behind)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
    }


def env(pause: str = "") -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "LOOPSAFE_TEST_PAUSE"}
    if pause:
        out["LOOPSAFE_TEST_PAUSE"] = pause
    return out


def loopsafe(root: Path, *args: str, pause: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loopsafe", *args],
        cwd=root,
        env=env(pause),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start(root: Path, pause: str, *args: str) -> subprocess.Popen[str]:
    """A fix run, returned once it says it is paused where asked."""
    process = subprocess.Popen(
        [sys.executable, "-m", "loopsafe", *(args or FIX)],
        cwd=root,
        env=env(pause),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("loopsafe-test: paused at"):
            return process
    process.wait(timeout=60)
    raise AssertionError("the run never paused: " + "".join(seen))


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The chain's files before, and after an uninterrupted fix."""
    reference = tmp_path_factory.mktemp("reference")
    write(reference, CHAIN)
    old = tree(reference)
    done = loopsafe(reference, *FIX)
    assert done.returncode == 0, done.stdout + done.stderr
    new = tree(reference)
    changed = sorted(k for k in old if old[k] != new[k])
    assert changed == ["shop/a.py", "shop/b.py", "shop/lib.py"]
    assert b"async def fetch" in new["shop/lib.py"] and b"await fetch()" in new["shop/a.py"]
    return old, new


@pytest.fixture
def chain(
    tmp_path: Path, reference: tuple[dict[str, bytes], dict[str, bytes]]
) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A fresh copy of the project, its files before, and after an uninterrupted fix."""
    root = tmp_path / "project"
    write(root, CHAIN)
    assert tree(root) == reference[0]
    return root, *reference


def test_sigkill_between_files_is_completed_by_the_next_run(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, old, new = chain
    process = start(root, "renamed:30")
    process.kill()
    process.wait(timeout=30)
    half = tree(root)
    assert half["shop/a.py"] == new["shop/a.py"] and half["shop/lib.py"] == old["shop/lib.py"]
    assert ".loopsafe/fix-journal.json" in half
    after = loopsafe(root, "check", "--no-cache", ".")  # any command notices
    assert "loopsafe: completed an interrupted fix (2 of 3 file(s) were still to be written)" in (
        after.stderr
    )
    assert after.returncode == 0, after.stdout + after.stderr
    assert tree(root) == new  # and no staged file, backup or journal is left
    again = loopsafe(root, "check", "--no-cache", ".")
    assert "interrupted" not in again.stderr


def test_sigkill_before_any_file_is_cleaned_up_by_the_next_run(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, old, _ = chain
    process = start(root, "planned:30")
    process.kill()
    process.wait(timeout=30)
    staged = [name for name in tree(root) if name not in old]
    assert ".loopsafe/fix-journal.json" in staged and len(staged) > 1
    after = loopsafe(root, "check", "--no-cache", ".")
    assert "loopsafe: cleaned up after an interrupted fix (no file had been changed)" in (
        after.stderr
    )
    assert after.returncode == 1  # the finding is still there
    assert tree(root) == old


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_while_writing_wait_for_the_last_file(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]], signum: int
) -> None:
    root, _, new = chain
    process = start(root, "renamed:1")
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (-signum, 130), err
    assert tree(root) == new


def test_a_file_changed_after_an_interruption_makes_the_next_run_roll_back(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, old, _ = chain
    process = start(root, "renamed:30")
    process.kill()
    process.wait(timeout=30)
    mine = old["shop/lib.py"] + b"# my edit\n"
    (root / "shop/lib.py").write_bytes(mine)  # not yet fixed when the run died
    after = loopsafe(root, "check", "--no-cache", ".")
    assert (
        "loopsafe: rolled back an interrupted fix (1 file(s) restored; changed since, left as "
        "they are: shop/lib.py)"
    ) in after.stderr
    assert tree(root) == {**old, "shop/lib.py": mine}  # never half applied, the edit kept


def test_an_edit_made_while_fix_runs_is_not_lost(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, old, _ = chain
    process = start(root, "planned:1")
    mine = old["shop/b.py"] + b"# written while loopsafe ran\n"
    (root / "shop/b.py").write_bytes(mine)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2, out + err
    assert err.splitlines()[-1] == (
        "loopsafe: error: shop/b.py changed while loopsafe ran; nothing was written "
        "(run the fix again)"
    )
    assert tree(root) == {**old, "shop/b.py": mine}


def test_an_edit_made_between_analysis_and_planning_skips_the_fix(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, old, _ = chain
    process = start(root, "analysed:1")
    mine = old["shop/b.py"] + b"# written while loopsafe ran\n"
    (root / "shop/b.py").write_bytes(mine)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, out + err
    assert "skipped shop/lib.py:5 LS103: shop/b.py changed since it was analysed" in out
    assert tree(root) == {**old, "shop/b.py": mine}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_owner_group_and_mode_are_kept(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, _, new = chain
    lib = root / "shop/lib.py"
    os.chown(lib, 4242, 4343)  # a second uid and gid
    os.chmod(lib, 0o640)
    run = loopsafe(root, *FIX)
    assert run.returncode == 0, run.stdout + run.stderr
    info = os.stat(lib)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4242, 4343, 0o640)
    assert tree(root) == new


def test_a_hard_link_is_kept_even_when_interrupted(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path
) -> None:
    root, _, new = chain
    other = tmp_path / "elsewhere" / "lib_copy.py"
    other.parent.mkdir()
    os.link(root / "shop/lib.py", other)
    process = start(root, "renamed:30")  # lib.py is the last file written: still pending
    process.kill()
    process.wait(timeout=30)
    after = loopsafe(root, "check", "--no-cache", ".")
    assert "completed an interrupted fix" in after.stderr, after.stderr
    assert tree(root) == new
    assert os.path.samefile(root / "shop/lib.py", other)
    assert os.stat(other).st_nlink == 2 and other.read_bytes() == new["shop/lib.py"]


def test_a_half_written_in_place_file_is_completed(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path
) -> None:
    """A hard-linked file is written in place; killed half way through, it holds neither
    version: the next run recognises the file it was writing and finishes it."""
    root, _, new = chain
    other = tmp_path / "b_link.py"
    os.link(root / "shop/b.py", other)
    process = start(root, "renamed:30")  # a.py is in place; b.py (in place) is next
    process.kill()
    process.wait(timeout=30)
    (root / "shop/b.py").write_bytes(new["shop/b.py"][:20])  # as if killed mid-write
    after = loopsafe(root, "check", "--no-cache", ".")
    assert "completed an interrupted fix (2 of 3 file(s) were still to be written)" in (
        after.stderr
    )
    assert tree(root) == new
    assert os.path.samefile(root / "shop/b.py", other)


def test_a_read_only_file_is_refused_and_left_read_only(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, old, _ = chain
    os.chmod(root / "shop/a.py", 0o444)
    run = loopsafe(root, *FIX)
    assert run.returncode == 1, run.stdout + run.stderr  # the finding is left
    assert "shop/a.py is read-only; not written (make it writable to fix it)" in run.stdout
    assert "Fixed 0 finding(s) in 0 file(s); 1 skipped" in run.stdout
    assert tree(root) == old  # the chain is not half applied to the other files
    assert stat.S_IMODE(os.stat(root / "shop/a.py").st_mode) == 0o444


def test_a_directory_symlink_out_of_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    code = """
        import asyncio


        async def main():
            return asyncio.get_event_loop()
        """
    write(outside, {"ext.py": code})
    outside_code = (outside / "ext.py").read_bytes()
    write(
        tmp_path / "project",
        {
            "pyproject.toml": CHAIN["pyproject.toml"],
            "app.py": code,
        },
    )
    root = tmp_path / "project"
    (root / "vendor").symlink_to(outside, target_is_directory=True)
    run = loopsafe(root, "fix", "--no-cache", ".")
    assert b"get_running_loop" in (root / "app.py").read_bytes(), run.stdout + run.stderr
    assert "vendor/ext.py is outside the project root" in run.stdout  # reported, not written
    assert (outside / "ext.py").read_bytes() == outside_code
    assert not (outside / ".loopsafe").exists()
    assert sorted(p.name for p in outside.iterdir()) == ["ext.py"]


def test_a_pytest_config_outside_the_project_is_not_written(tmp_path: Path) -> None:
    ci = tmp_path / "ci" / "pytest-ci.ini"
    ci.parent.mkdir()
    ci.write_text("[pytest]\nasyncio_mode = auto\n", encoding="utf-8")
    root = tmp_path / "project"
    write(
        root,
        {
            "pyproject.toml": CHAIN["pyproject.toml"],
            "tests/__init__.py": "",
            "tests/conftest.py": """
                import asyncio

                import pytest


                @pytest.fixture(scope="module")
                def event_loop():
                    loop = asyncio.new_event_loop()
                    yield loop
                    loop.close()
                """,
        },
    )
    old = tree(root)
    given = "../ci/pytest-ci.ini"
    run = loopsafe(root, *FIX[:-1], "--pytest-config", given, ".")
    assert f"{given} is outside the project root" in run.stdout, run.stdout + run.stderr
    assert ci.read_text(encoding="utf-8") == "[pytest]\nasyncio_mode = auto\n"
    assert tree(root) == old  # the conftest half of that fix is not applied either


def test_a_hostile_journal_cannot_write_outside_its_project(tmp_path: Path) -> None:
    """A journal shipped in a repository (unsigned, or naming a file outside it) is
    ignored."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    root = tmp_path / "project"
    write(root, CHAIN)
    staged = root / ".victim.txt.0000.loopsafe-new"
    staged.write_text("owned\n", encoding="utf-8")
    entry = {
        "target": str(victim),
        "temp": str(staged),
        "backup": None,
        "old": hashlib.sha256(b"precious\n").hexdigest(),
        "new": hashlib.sha256(b"owned\n").hexdigest(),
        "in_place": False,
    }
    journal = root / ".loopsafe" / "fix-journal.json"
    journal.parent.mkdir()
    payload = {"version": 1, "state": "commit", "entries": [entry]}
    journal.write_text(json.dumps({"journal": payload, "mac": "0" * 64}))
    run = loopsafe(root, "check", "--no-cache", ".")
    assert (
        "loopsafe: warning: ignored .loopsafe/fix-journal.json: not signed by this user's loopsafe"
    ) in run.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    # Even signed with this user's key, it may only name files inside its project.
    journal.write_text(json.dumps({"journal": payload, "mac": transaction.sign(payload)}))
    said = recover(root)
    assert said.startswith("loopsafe: warning: ignored .loopsafe/fix-journal.json:")
    assert "victim.txt' is outside" in said
    assert victim.read_text(encoding="utf-8") == "precious\n"
    # A symlinked journal is not followed, nor a symlinked `.loopsafe/`.
    journal.unlink()
    journal.symlink_to(victim)
    said = recover(root)
    assert (
        said
        == "loopsafe: warning: ignored .loopsafe/fix-journal.json: not a regular file of a sane size"
    )
    journal.unlink()
    (root / ".loopsafe").rmdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "fix-journal.json").write_text("{}")
    (root / ".loopsafe").symlink_to(tmp_path / "elsewhere")
    assert recover(root) == ""
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (tmp_path / "elsewhere" / "fix-journal.json").read_text() == "{}"


def test_cr_only_crlf_mixed_and_form_feeds_are_kept_byte_for_byte(tmp_path: Path) -> None:
    body = [
        b"import asyncio",
        b"",
        b"\x0c",
        b"async def main():",
        b"\x0c    loop = asyncio.get_event_loop()",
        b"    return loop",
        b"\x0cx = 1",
    ]
    files = {
        "cr.py": b"\r".join(body) + b"\r",
        "crcr.py": b"\r".join(body) + b"\r\r",
        "crlf.py": b"\r\n".join(body) + b"\r\n",
        "mixed.py": b"\n".join(body[:3]) + b"\r\n" + b"\r".join(body[3:]) + b"\n",
        "ff_end.py": b"\n".join(body) + b"\n\x0c",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    run = loopsafe(tmp_path, "fix", "--no-cache", ".")
    assert run.returncode == 0, run.stdout + run.stderr
    for name, data in files.items():
        expected = data.replace(b"get_event_loop", b"get_running_loop")
        assert (tmp_path / name).read_bytes() == expected, name


def test_the_journal_directory_is_not_left_behind(
    chain: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    root, _, new = chain
    run = loopsafe(root, *FIX)
    assert run.returncode == 0, run.stdout + run.stderr
    assert tree(root) == new and not (root / ".loopsafe").exists()


# ------------------------------------------------------------------ the transaction itself
def _writes(root: Path, files: dict[str, bytes]) -> list[Write]:
    return [
        Write(root / name, data + b"# new\n", data, name) for name, data in sorted(files.items())
    ]


def test_a_full_disk_while_staging_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, CHAIN)
    old = tree(tmp_path)
    calls = []

    def full(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:  # the journal and one staged file made it; the next does not
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(TransactionError, match="No space left on device; nothing was written"):
        commit(_writes(tmp_path, {k: v for k, v in old.items() if k.endswith(".py")}), tmp_path)
    assert tree(tmp_path) == old and not (tmp_path / ".loopsafe").exists()


def test_a_failure_while_putting_files_in_place_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, CHAIN)
    old = tree(tmp_path)
    real = transaction.install
    done = []

    def install(staged: Path, target: Path) -> None:
        done.append(target)
        if len(done) == 3:  # the third file fails; putting the old ones back works
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        real(staged, target)

    monkeypatch.setattr(transaction, "install", install)
    with pytest.raises(TransactionError) as caught:
        commit(_writes(tmp_path, {k: v for k, v in old.items() if k.endswith(".py")}), tmp_path)
    assert str(caught.value) == (
        "cannot write (Read-only file system); rolled back (2 file(s) restored)"
    )
    assert tree(tmp_path) == old


def test_a_second_run_writing_at_the_same_time_is_refused(tmp_path: Path) -> None:
    write(tmp_path, CHAIN)
    old = tree(tmp_path)
    (tmp_path / ".loopsafe").mkdir()
    fd = os.open(tmp_path / ".loopsafe", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running commit holds
        with pytest.raises(TransactionError, match="another loopsafe run is writing"):
            commit(_writes(tmp_path, {"shop/a.py": old["shop/a.py"]}), tmp_path)
        (tmp_path / ".loopsafe/fix-journal.json").write_text("{}")
        assert recover(tmp_path) == ""  # a live run's journal is left to it
    finally:
        os.close(fd)
    assert recover(tmp_path).startswith("loopsafe: warning: ignored .loopsafe/fix-journal.json")
    assert {k: v for k, v in tree(tmp_path).items() if not k.startswith(".loopsafe")} == old


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_as_another_user_a_file_it_cannot_give_back_is_rewritten_in_place() -> None:
    """uid 4242 fixes a group-writable file owned by uid 5000: a replacement would belong
    to 4242, so the file is rewritten in place and keeps its owner."""
    import loopsafe.cache  # noqa: F401  (the child cannot import from root's interpreter)

    with tempfile.TemporaryDirectory(dir="/tmp") as name:  # pytest's tmp_path is root's only
        os.chmod(name, 0o755)
        _fix_as_another_user(Path(name) / "p")


def _fix_as_another_user(root: Path) -> None:
    write(root, CHAIN)
    for path in [root, *root.rglob("*")]:
        os.chown(path, 4242, 4242)
    lib = root / "shop/lib.py"
    os.chown(lib, 5000, 4242)
    os.chmod(lib, 0o664)
    old = lib.read_bytes()
    pid = os.fork()
    if pid == 0:  # the child: another user, then the transaction
        code = 1
        try:
            os.setgroups([])
            os.setgid(4242)
            os.setuid(4242)
            os.environ["XDG_CACHE_HOME"] = str(root / ".cache")
            commit([Write(lib, old + b"# fixed\n", old, "shop/lib.py")], root)
            code = 0
        except BaseException as exc:
            (root / "error.txt").write_text(repr(exc))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    error = root / "error.txt"
    assert os.waitstatus_to_exitcode(status) == 0, error.exists() and error.read_text()
    info = os.stat(lib)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (5000, 4242, 0o664)
    assert lib.read_bytes() == old + b"# fixed\n"
    assert sorted(p.name for p in lib.parent.iterdir()) == ["__init__.py", "a.py", "b.py", "lib.py"]


def test_apply_markers_is_one_transaction_too(tmp_path: Path) -> None:
    """`tests --apply-markers` leaves a read-only test file unmarked, saying why, and
    writes the rest (and the marker registration) together."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n",
            "tests/test_math.py": "def test_add():\n    assert 1 + 1 == 2\n",
            "tests/test_more.py": "def test_sub():\n    assert 2 - 1 == 1\n",
        },
    )
    os.chmod(tmp_path / "tests/test_more.py", 0o444)
    run = loopsafe(tmp_path, "tests", "--apply-markers")
    assert run.returncode == 1, run.stdout + run.stderr
    assert (
        "tests/test_more.py: not marked: tests/test_more.py is read-only; not written "
        "(make it writable to fix it)"
    ) in run.stdout
    assert "pytestmark = pytest.mark.unit" in (tmp_path / "tests/test_math.py").read_text()
    assert (
        tmp_path / "tests/test_more.py"
    ).read_text() == "def test_sub():\n    assert 2 - 1 == 1\n"
    assert "markers" in (tmp_path / "pyproject.toml").read_text()
    assert not (tmp_path / ".loopsafe").exists()
