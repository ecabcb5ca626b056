"""The fixer's safety contract, through the command line: files that failed to parse are
never touched, a rewrite that would not compile is refused (internal error, file left as
it was), writes are atomic and keep mode bits, encoding, BOM, line endings and the final
newline, a second run changes nothing, `--diff` writes nothing and prints a patch that
reproduces `--fix` exactly, and the run closes with a summary.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fix_helpers import (
    Skip,
    assert_compiles,
    compiles,
    fix,
    loopsafe,
    read,
    snapshot,
    write,
)

SITE = (
    "async def fetch():\n    return 1\n\n\nasync def handler():\n    return asyncio.run(fetch())\n"
)
FIXED_SITE = (
    "async def fetch():\n    return 1\n\n\nasync def handler():\n    return await fetch()\n"
)
# `import os` keeps the import block in place when `import asyncio` goes.
MODULE = "import asyncio\nimport os\n\n\n" + SITE + "\n\nSEP = os.sep\n"
FIXED_MODULE = "import os\n\n\n" + FIXED_SITE + "\n\nSEP = os.sep\n"


# --------------------------------------------------------------------------- parse errors
def test_a_file_that_failed_to_parse_is_never_touched(tmp_path: Path) -> None:
    broken = b"import asyncio\n\n\nasync def handler(:\n    return asyncio.run(fetch())\n"
    write(tmp_path, {"broken.py": broken, "good.py": MODULE})
    run = fix(tmp_path)
    assert (tmp_path / "broken.py").read_bytes() == broken
    assert read(tmp_path / "good.py") == FIXED_MODULE
    assert run.code == 1  # the parse error is still reported
    assert "broken.py:4:" in run.stdout and "LS000" in run.stdout
    assert run.summary().fixed == 1


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "site",
    [
        "    callback = lambda: asyncio.run(fetch())\n    return callback\n",
        "    return sum(asyncio.run(fetch()) for _ in range(3))\n",
    ],
    ids=["lambda", "generator-expression"],
)
def test_a_site_where_await_cannot_go_is_skipped(tmp_path: Path, site: str) -> None:
    """`await` is a syntax error in a lambda and turns a generator expression into an
    async generator: the fix is refused with a reason, the file still compiles and the
    other fix in the same file is still applied."""
    source = MODULE + "\n\nasync def refused():\n" + site
    write(tmp_path, {"app.py": source})
    run = fix(tmp_path)
    text = read(tmp_path / "app.py")
    assert compiles(text)
    assert "return await fetch()\n" in text  # the other site, fixed
    assert site in text  # this one, left alone
    assert "import asyncio\n" in text  # still used by the site left alone
    [skip] = run.skips()
    assert (skip.path, skip.line, skip.code) == (
        "app.py",
        _line_of(source, "async def refused") + 1,
        "LS101",
    )
    assert skip.reason
    assert run.summary().fixed == 1


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# Projects whose fix, done naively, does not compile: (file, text, flags, line to find).
AWAIT_IN_ANNOTATION = (
    "app.py",
    "from __future__ import annotations\n\nimport asyncio\n\n\n"
    "async def fetch():\n    return 1\n\n\n"
    "async def annotated():\n    x: asyncio.run(fetch()) = 1\n    return x\n",
    (),
    "x: asyncio.run(fetch())",
)
GENERATOR_FIXTURE_RETURNS_A_VALUE = (
    "tests/conftest.py",
    "import asyncio\n\nimport pytest\n\n\nasync def connect():\n    return {}\n\n\n"
    "@pytest.fixture\ndef db():\n    conn = asyncio.run(connect())\n"
    "    if conn is None:\n        return None\n    yield conn\n",
    ("--unsafe-fixes",),
    "conn = asyncio.run(connect())",
)
GENERATOR_CHAIN_YIELDS_FROM = (
    "gen.py",
    "import asyncio\n\n\nasync def _load(k):\n    return k\n\n\n"
    "def load(keys):\n    for k in keys:\n        yield asyncio.run(_load(k))\n"
    "    yield from ()\n\n\nasync def handler(keys):\n    return list(load(keys))\n",
    ("--unsafe-fixes",),
    "yield asyncio.run(_load(k))",
)
MULTI_LINE_ARGUMENT = (
    "app.py",
    "import asyncio\n\n\nasync def handler(client, url):\n"
    "    result = asyncio.run(client\n                         .fetch(url))\n    return result\n",
    (),
    "result = asyncio.run(client",
)


def _hard_project(root: Path, name: str, text: str) -> None:
    write(
        root,
        {
            name: text.encode(),
            "tests/test_db.py": "async def test_db(db):\n    assert db == {}\n",
            "pytest.ini": "[pytest]\nasyncio_mode = auto\n"
            "asyncio_default_fixture_loop_scope = function\n",
        },
    )


@pytest.mark.parametrize(
    ("name", "text", "flags", "needle"),
    [AWAIT_IN_ANNOTATION, GENERATOR_FIXTURE_RETURNS_A_VALUE],
    ids=["await-in-annotation", "generator-fixture-returns-a-value"],
)
def test_a_rewrite_that_would_not_compile_is_refused_as_internal_error(
    tmp_path: Path, name: str, text: str, flags: tuple[str, ...], needle: str
) -> None:
    """The safety net, reached through the public API: `await` inside an annotation (with
    postponed evaluation), and a generator fixture with `return None` made an async
    generator (LS303), give code that does not compile. The file keeps its bytes, the
    skip says internal error, and the run (and `--diff`) exits 2. Should the rules learn
    to refuse one of these up front, as it did for `yield from` chains, swap in another
    case: this test is about the net; the next one, about never writing broken code."""
    _hard_project(tmp_path, name, text)
    before = snapshot(tmp_path)
    diff = loopsafe(tmp_path, "check", "--diff", "--no-cache", *flags, ".", spawn=True)
    assert diff.code == 2, diff.output
    run = fix(tmp_path, *flags, spawn=True)
    assert snapshot(tmp_path) == before
    assert run.code == 2, run.output
    [skip] = run.skips()
    assert (skip.path, skip.line) == (name, _line_of(text, needle))
    assert skip.reason.startswith("internal error: the fixed code would not compile")
    assert f"{name} left as it was" in skip.reason


@pytest.mark.parametrize(
    ("name", "text", "flags", "needle"),
    [
        AWAIT_IN_ANNOTATION,
        GENERATOR_FIXTURE_RETURNS_A_VALUE,
        GENERATOR_CHAIN_YIELDS_FROM,
        MULTI_LINE_ARGUMENT,
    ],
    ids=["await-in-annotation", "generator-fixture", "generator-chain", "multi-line-argument"],
)
def test_a_hard_fix_is_done_right_or_not_at_all(
    tmp_path: Path, name: str, text: str, flags: tuple[str, ...], needle: str
) -> None:
    """Whatever the fixer does with these (fix, skip with a reason, refuse as internal
    error), it never writes code that does not compile, and a file it does not fix keeps
    its bytes and gets a skip line for the site."""
    _hard_project(tmp_path, name, text)
    run = fix(tmp_path, *flags)
    after = read(tmp_path / name)
    assert compiles(after), after
    if after == text:
        assert (name, _line_of(text, needle)) in [(s.path, s.line) for s in run.skips()]
        internal = any(s.reason.startswith("internal error") for s in run.skips())
        assert run.code == (2 if internal else 1), run.output
    else:
        assert needle not in after


def test_a_multi_line_argument_is_fixed(tmp_path: Path) -> None:
    source = (
        "import asyncio\n\n\nasync def handler(client, url):\n"
        "    result = asyncio.run(client\n                         .fetch(url))\n"
        "    return result\n"
    )
    write(tmp_path, {"app.py": source.encode()})
    run = fix(tmp_path)
    text = read(tmp_path / "app.py")
    assert run.skips() == []
    assert compiles(text)
    assert "asyncio.run" not in text and "await" in text


def test_a_comment_inside_the_call_is_kept(tmp_path: Path) -> None:
    source = (
        "import asyncio\n\n\nasync def handler(client, url):\n"
        "    return asyncio.run(  # fetch it through the client\n"
        "        client.fetch(url)\n    )\n"
    )
    write(tmp_path, {"app.py": source.encode()})
    fix(tmp_path)
    text = read(tmp_path / "app.py")
    assert "asyncio.run" not in text
    assert "# fetch it through the client" in text


def test_code_for_a_newer_python_is_fixed_and_still_parses(tmp_path: Path) -> None:
    """PEP 695 syntax does not compile on 3.11; the fixer only requires that it still
    parses (on 3.12+ it compiles, and the same fix applies)."""
    tail = "\n\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n"
    source = "import asyncio\n\ntype Alias = int\n\n\n" + SITE + tail
    write(tmp_path, {"new.py": source.encode()})
    run = fix(tmp_path)
    assert run.code == 0, run.output
    # The dropped `import asyncio` takes its blank line with it: the file starts with code.
    assert read(tmp_path / "new.py") == "type Alias = int\n\n\n" + FIXED_SITE + tail


# --------------------------------------------------------------------------- writing
def test_writes_are_atomic_and_keep_mode_bits(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": MODULE, "b.py": MODULE, "c.py": MODULE})
    os.chmod(tmp_path / "a.py", 0o640)
    os.chmod(tmp_path / "b.py", 0o755)
    inodes = {name: (tmp_path / name).stat().st_ino for name in ("a.py", "b.py", "c.py")}
    run = fix(tmp_path)
    assert run.summary().files == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py", "c.py"]  # no temp
    for name in ("a.py", "b.py", "c.py"):
        assert read(tmp_path / name) == FIXED_MODULE
        # replaced by a rename, not rewritten in place
        assert (tmp_path / name).stat().st_ino != inodes[name]
    assert stat.S_IMODE((tmp_path / "a.py").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "b.py").stat().st_mode) == 0o755


def test_a_symlinked_file_stays_a_symlink(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(tmp_path, {"shared/mod.py": MODULE, "project/other.py": "X = 1\n"})
    (project / "mod.py").symlink_to(tmp_path / "shared" / "mod.py")
    fix(project)
    assert (project / "mod.py").is_symlink()
    assert read(tmp_path / "shared" / "mod.py") in (MODULE, FIXED_MODULE)


def test_latin1_file_with_coding_cookie_keeps_its_encoding(tmp_path: Path) -> None:
    def latin1(body: str) -> bytes:
        return ("# -*- coding: latin-1 -*-\n" + body + "\n\nNAME = 'Zoë, café'\n").encode("latin-1")

    (tmp_path / "app.py").write_bytes(latin1(MODULE))
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert (tmp_path / "app.py").read_bytes() == latin1(FIXED_MODULE)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"\xef\xbb\xbf" + MODULE.encode(), b"\xef\xbb\xbf" + FIXED_MODULE.encode()),
        (
            MODULE.replace("\n", "\r\n").encode(),
            FIXED_MODULE.replace("\n", "\r\n").encode(),
        ),
        (MODULE.rstrip("\n").encode(), FIXED_MODULE.rstrip("\n").encode()),
        (MODULE.encode() + b"\n\n", FIXED_MODULE.encode() + b"\n\n"),
    ],
    ids=["bom", "crlf", "no-final-newline", "extra-final-newlines"],
)
def test_bytes_around_the_fix_are_kept(tmp_path: Path, before: bytes, after: bytes) -> None:
    (tmp_path / "app.py").write_bytes(before)
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert (tmp_path / "app.py").read_bytes() == after


def test_an_added_import_follows_the_files_line_endings(tmp_path: Path) -> None:
    source = (
        "'''Library.'''\r\n\r\nimport asyncio\r\n\r\n\r\nasync def _get():\r\n"
        "    await asyncio.sleep(0)\r\n\r\n\r\ndef get():\r\n    return asyncio.run(_get())\r\n"
    )
    write(tmp_path, {"lib/__init__.py": "", "lib/a.py": source.encode()})
    run = fix(tmp_path)
    assert run.code == 0, run.output
    data = (tmp_path / "lib/a.py").read_bytes()
    assert (
        data
        == source.replace(
            "import asyncio\r\n", "import asyncio\r\n\r\nfrom loopsafe import run_sync\r\n"
        )
        .replace("asyncio.run(_get())", "run_sync(_get(), fresh_loop=True)")
        .encode()
    )
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-ra"\n'),
        ("setup.cfg", "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -ra\n"),
    ],
)
def test_a_crlf_pytest_config_keeps_its_line_endings(tmp_path: Path, name: str, text: str) -> None:
    conftest = (
        "import asyncio\nimport os\n\nimport pytest\n\n\n@pytest.fixture(scope='module')\n"
        "def event_loop():\n    loop = asyncio.new_event_loop()\n    yield loop\n"
        "    loop.close()\n\n\nSEP = os.sep\n"
    )
    write(tmp_path, {name: text.replace("\n", "\r\n").encode(), "tests/conftest.py": conftest})
    fix(tmp_path, "--unsafe-fixes")
    data = (tmp_path / name).read_bytes()
    assert b"asyncio_default_fixture_loop_scope" in data
    assert data.startswith(text.replace("\n", "\r\n").encode().rsplit(b"\r\n", 1)[0])
    assert b"\n" not in data.replace(b"\r\n", b"")


# --------------------------------------------------------------------------- idempotence
EVERYTHING = {
    "pytest.ini": "[pytest]\nasyncio_mode = strict\n",
    "app/__init__.py": "",
    "app/util.py": """
    '''Storage.'''

    import asyncio


    async def _load(key):
        return key


    def load(key):
        return asyncio.run(_load(key))
    """,
    "app/routes.py": """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from app.util import load

    pool = ThreadPoolExecutor()


    async def fetch():
        return [1]


    async def handler(key, loop):
        a = asyncio.run(fetch())[0]
        b = loop.run_until_complete(fetch())
        t = asyncio.get_event_loop().time()
        c = pool.submit(asyncio.run, fetch()).result()
        return a, b, t, c, load(key)


    async def keep(key):
        return asyncio.run(fetch(), debug=True)
    """,
    "app/client.py": """
    import asyncio


    async def _get():
        return 1


    def get():
        return asyncio.run(_get())
    """,
    "tests/conftest.py": """
    import asyncio

    import pytest


    @pytest.fixture(scope="module")
    def event_loop():
        loop = asyncio.new_event_loop()
        yield loop
        loop.close()


    async def make_db():
        return {}


    @pytest.fixture
    def db():
        return asyncio.run(make_db())
    """,
    "tests/test_routes.py": """
    import pytest


    @pytest.mark.asyncio(scope="module")
    async def test_db(db):
        assert db == {}
    """,
}


def test_a_second_fix_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, EVERYTHING)
    before = snapshot(tmp_path)
    first = fix(tmp_path, "--unsafe-fixes")
    once = snapshot(tmp_path)
    # every rule of the project was fixed once (LS101, LS102, LS103, LS104, LS105, LS201,
    # LS301, LS303, LS304), one LS101 backed off
    assert first.summary().fixed == 9, first.output
    assert [(s.path, s.code) for s in first.skips()] == [("app/routes.py", "LS101")]
    assert sorted(k for k in once if once[k] != before.get(k)) == [
        "app/client.py",
        "app/routes.py",
        "app/util.py",
        "pytest.ini",
        "tests/conftest.py",
        "tests/test_routes.py",
    ]
    assert_compiles(tmp_path)
    second = fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == once
    summary = second.summary()
    assert (summary.fixed, summary.files) == (0, 0)
    assert [(s.path, s.code) for s in second.skips()] == [("app/routes.py", "LS101")]


def test_after_a_fix_with_the_cache_on_check_sees_the_fixed_code(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MODULE})
    assert loopsafe(tmp_path, "check", ".").code == 1  # fills the cache
    assert loopsafe(tmp_path, "check", "--fix", ".").code == 0
    assert read(tmp_path / "app.py") == FIXED_MODULE
    again = loopsafe(tmp_path, "check", ".")
    assert again.code == 0, again.output


# --------------------------------------------------------------------------- --diff
def _apply_patch(patch: bytes, directory: Path) -> None:
    """Apply a unified diff (bytes, as printed) with `patch -p1`, or `git apply` where patch
    is missing."""
    if shutil.which("patch"):
        command = ["patch", "-p1", "--batch", "--no-backup-if-mismatch"]
    elif shutil.which("git"):
        command = ["git", "apply", "--unsafe-paths", "-p1", "-"]
    else:  # pragma: no cover - both ship with every CI image this runs on
        pytest.skip("neither patch nor git is installed")
    proc = subprocess.run(
        command,
        input=patch,
        cwd=directory,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


def _diff(root: Path, *flags: str) -> subprocess.CompletedProcess[bytes]:
    """`loopsafe check --diff` in a subprocess: stdout as bytes, exactly as printed."""
    return subprocess.run(
        [sys.executable, "-m", "loopsafe", "check", "--diff", "--no-cache", *flags, "."],
        cwd=root,
        capture_output=True,
        timeout=120,
        check=False,
    )


def _diff_reproduces_fix(tmp_path: Path, files: dict[str, str | bytes], *flags: str) -> bytes:
    """Diff a project, apply the diff to a copy, fix the original: the two trees must be
    byte for byte the same. Returns the diff."""
    project, copy = tmp_path / "project", tmp_path / "copy"
    write(project, files)
    before = snapshot(project)
    shutil.copytree(project, copy)
    diff = _diff(project, *flags)
    assert diff.returncode == 1, diff.stderr.decode()
    assert snapshot(project) == before  # --diff writes nothing
    assert diff.stdout.startswith(b"--- "), diff.stdout[:200]
    assert b"Would fix" in diff.stderr  # the summary goes to stderr, the patch to stdout
    _apply_patch(diff.stdout, copy)
    fix(project, *flags)
    assert snapshot(copy) == snapshot(project)
    return diff.stdout


def test_diff_applies_with_patch_and_reproduces_the_fix(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = dict(EVERYTHING)
    del files["pytest.ini"]  # so LS301 creates one: a diff from /dev/null
    files["app/crlf.py"] = MODULE.replace("\n", "\r\n").encode()
    files["app/utf8.py"] = ("# café\n" + MODULE).encode()
    diff = _diff_reproduces_fix(tmp_path, files, "--unsafe-fixes")
    assert b"--- /dev/null\n+++ b/pytest.ini\n" in diff
    assert b"--- a/app/routes.py\n+++ b/app/routes.py\n" in diff


def test_diff_without_unsafe_fixes_leaves_them_out(tmp_path: Path) -> None:
    diff = _diff_reproduces_fix(tmp_path, dict(EVERYTHING))
    # `fix --diff` is `check --diff` (the project is fixed now: a fresh copy)
    write(tmp_path / "again", EVERYTHING)
    same = loopsafe(tmp_path / "again", "fix", "--diff", "--no-cache", ".")
    assert same.code == 1
    assert same.stdout.encode() == diff
    assert b"app/util.py" not in diff  # LS103: unsafe
    assert b"conftest.py" not in diff  # LS301 / LS303: unsafe
    assert b"-    c = pool.submit" not in diff  # LS105: unsafe


def test_diff_exits_0_and_prints_nothing_when_there_is_nothing_to_fix(tmp_path: Path) -> None:
    entry = (  # asyncio.run where no loop runs: accepted, nothing to fix
        "import asyncio\n\n\nasync def main():\n    return 1\n\n\n"
        "if __name__ == '__main__':\n    asyncio.run(main())\n"
    )
    write(tmp_path, {"app.py": FIXED_MODULE, "main.py": entry})
    before = snapshot(tmp_path)
    diff = _diff(tmp_path, "--unsafe-fixes")
    assert diff.returncode == 0, diff.stderr.decode()
    assert diff.stdout == b""
    assert snapshot(tmp_path) == before


def test_diff_of_a_file_without_final_newline_applies(tmp_path: Path) -> None:
    source = "import asyncio\nimport os\n\n\n" + SITE.rstrip("\n")  # the fix is on the last line
    _diff_reproduces_fix(tmp_path, {"app.py": source.encode()})


def test_diff_of_a_file_with_a_bom_applies(tmp_path: Path) -> None:
    _diff_reproduces_fix(tmp_path, {"app.py": b"\xef\xbb\xbf" + MODULE.encode()})


def test_diff_of_a_latin1_file_applies(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + MODULE.replace(
        "return asyncio.run(fetch())", "return asyncio.run(fetch())  # café"
    )
    _diff_reproduces_fix(tmp_path, {"app.py": source.encode("latin-1")})


# --------------------------------------------------------------------------- summary
SUMMARY_PROJECT = {
    "app.py": """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor()


    async def fetch():
        return 1


    async def fixed():
        return asyncio.run(fetch())


    async def backed_off():
        return asyncio.run(fetch(), debug=True)


    async def unsafe():
        return pool.submit(asyncio.run, fetch()).result()


    def review():
        try:
            return asyncio.get_event_loop()
        except RuntimeError:
            return None


    async def caller():
        return review()
    """,
}


def test_the_summary_says_fixed_skipped_with_reasons_and_left_for_review(tmp_path: Path) -> None:
    write(tmp_path, SUMMARY_PROJECT)
    run = fix(tmp_path, spawn=True)
    assert run.code == 1
    summary = run.summary()
    assert (summary.verb, summary.fixed, summary.files, summary.skipped, summary.review) == (
        "Fixed",
        1,
        1,
        2,
        1,
    )
    skips = run.skips()
    assert [(s.path, s.line, s.code) for s in skips] == [
        ("app.py", 16, "LS101"),
        ("app.py", 20, "LS105"),
    ]
    assert "debug=" in skips[0].reason
    assert skips[1] == Skip("app.py", 20, "LS105", "unsafe fix: apply it with --unsafe-fixes")
    # Then what is left, as `check` lists it.
    assert "app.py:16:12: LS101" in run.stdout
    assert "app.py:25:16: LS202" in run.stdout


def test_with_json_output_the_summary_goes_to_stderr(tmp_path: Path) -> None:
    write(tmp_path, SUMMARY_PROJECT)
    run = fix(tmp_path, "--format", "json", spawn=True)
    data = json.loads(run.stdout)
    assert {f["code"] for f in data["findings"] if f["action"] != "ok"} == {
        "LS101",
        "LS105",
        "LS202",
    }
    assert "Fixed 1 finding(s) in 1 file(s); 2 skipped; 1 left for review." in run.stderr
