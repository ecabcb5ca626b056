"""Every fix kind, through the command line, on tiny projects: the exact text each fix
writes, the fixes that back off (with the reason printed), and the import bookkeeping.

Safe fixes (`check --fix`): LS101, LS102, LS104, LS201, LS304. Unsafe ones (only with
`--unsafe-fixes`): LS103, LS105, LS301, LS303.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fix_helpers import Skip, fix, loopsafe, read, snapshot, write


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --------------------------------------------------------------------------- LS101
def test_ls101_await_keeps_every_wrapping_expression(tmp_path: Path) -> None:
    """Run as a real `python -m loopsafe` process, like the LS103 test below."""
    write(
        tmp_path,
        {
            "app.py": """
            import asyncio


            async def fetch():
                return [1]


            async def assign():
                result = asyncio.run(fetch())
                return result


            async def attribute():
                return asyncio.run(fetch()).value


            async def subscript():
                return asyncio.run(fetch())[0]


            async def conditional(a, b, c):
                return asyncio.run(a if b else c)


            async def call_result():
                return asyncio.run(fetch())()


            async def in_arguments():
                return len(asyncio.run(fetch())) + 1


            async def trailing_comma():
                return asyncio.run(fetch(),)


            async def statement():
                asyncio.run(fetch())
                await asyncio.sleep(0)
            """
        },
    )
    run = fix(tmp_path, spawn=True)
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == dedent(
        """
        import asyncio


        async def fetch():
            return [1]


        async def assign():
            result = await fetch()
            return result


        async def attribute():
            return (await fetch()).value


        async def subscript():
            return (await fetch())[0]


        async def conditional(a, b, c):
            return await (a if b else c)


        async def call_result():
            return (await fetch())()


        async def in_arguments():
            return len(await fetch()) + 1


        async def trailing_comma():
            return await fetch()


        async def statement():
            await fetch()
            await asyncio.sleep(0)
        """
    )
    summary = run.summary()
    assert (summary.verb, summary.fixed, summary.files, summary.skipped) == ("Fixed", 8, 1, 0)


@pytest.mark.parametrize(
    "call",
    [
        "asyncio.run(main(), debug=True)",
        "asyncio.run(main(), loop_factory=asyncio.new_event_loop)",
    ],
)
def test_ls101_backs_off_when_arguments_change_behaviour(tmp_path: Path, call: str) -> None:
    source = f"import asyncio\n\n\nasync def main():\n    return 1\n\n\nasync def handler():\n    {call}\n"
    write(tmp_path, {"app.py": source})
    run = fix(tmp_path)
    assert read(tmp_path / "app.py") == source
    assert run.code == 1  # the finding is still there, to be fixed by hand
    [skip] = run.skips()
    assert (skip.path, skip.line, skip.code) == ("app.py", 9, "LS101")
    assert "debug=" in skip.reason and "loop_factory=" in skip.reason
    assert "by hand" in skip.reason
    assert run.summary().skipped == 1


@pytest.mark.parametrize(
    ("forms", "site"),
    [
        ("import asyncio", "asyncio.run(fetch())"),
        ("from asyncio import run", "run(fetch())"),
        ("import asyncio as aio", "aio.run(fetch())"),
        ("from asyncio import run as go", "go(fetch())"),
    ],
)
def test_ls101_import_forms_drop_the_unused_import(tmp_path: Path, forms: str, site: str) -> None:
    write(
        tmp_path,
        {
            "app.py": f'"""Service."""\n\n{forms}\n\n\nasync def fetch():\n    return 1\n\n\n'
            f"async def handler():\n    return {site}\n"
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == (
        '"""Service."""\n\n\nasync def fetch():\n    return 1\n\n\n'
        "async def handler():\n    return await fetch()\n"
    )


# --------------------------------------------------------------------------- LS102
def test_ls102_run_until_complete_becomes_await(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": """
            import asyncio


            async def fetch():
                return {"k": 1}


            async def handler(loop):
                data = loop.run_until_complete(fetch())["k"]
                asyncio.get_running_loop().run_until_complete(fetch())
                await asyncio.sleep(0)
                return data
            """
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == dedent(
        """
        import asyncio


        async def fetch():
            return {"k": 1}


        async def handler(loop):
            data = (await fetch())["k"]
            await fetch()
            await asyncio.sleep(0)
            return data
        """
    )


# --------------------------------------------------------------------------- LS201
def test_ls201_get_running_loop_in_every_form(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": """
            import asyncio
            from asyncio import get_event_loop


            async def chained():
                return asyncio.get_event_loop().time()


            async def assigned():
                loop = get_event_loop()
                return loop


            async def passed():
                return id(asyncio.get_event_loop())
            """
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == dedent(
        """
        import asyncio


        async def chained():
            return asyncio.get_running_loop().time()


        async def assigned():
            loop = asyncio.get_running_loop()
            return loop


        async def passed():
            return id(asyncio.get_running_loop())
        """
    )
    assert run.summary().fixed == 3


def test_ls201_from_import_only_gets_import_asyncio(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": """
            '''Timing.'''

            from __future__ import annotations

            from asyncio import get_event_loop, sleep


            async def now():
                await sleep(0)
                return get_event_loop().time()
            """
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == dedent(
        """
        '''Timing.'''

        from __future__ import annotations

        from asyncio import sleep
        import asyncio


        async def now():
            await sleep(0)
            return asyncio.get_running_loop().time()
        """
    )


# --------------------------------------------------------------------------- LS104
LIBRARY = """
'''Client library.'''

import asyncio


async def _fetch(url):
    await asyncio.sleep(0)
    return url


def fetch(url):
    return asyncio.run(_fetch(url))


def fetch_all(urls):
    return [asyncio.run(_fetch(u)) for u in urls]
"""


def test_ls104_run_sync_imported_once(tmp_path: Path) -> None:
    write(tmp_path, {"mylib/__init__.py": "", "mylib/client.py": LIBRARY})
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "mylib/client.py") == dedent(
        """
        '''Client library.'''

        import asyncio

        from loopsafe import run_sync


        async def _fetch(url):
            await asyncio.sleep(0)
            return url


        def fetch(url):
            return run_sync(_fetch(url), fresh_loop=True)


        def fetch_all(urls):
            return [run_sync(_fetch(u), fresh_loop=True) for u in urls]
        """
    )
    assert run.summary().fixed == 2


def test_ls104_honours_the_configured_run_sync(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """
            [project]
            name = "mylib"

            [tool.loopsafe]
            run-sync = "myapp.compat:block_on"
            """,
            "mylib/__init__.py": "",
            "mylib/client.py": LIBRARY,
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    text = read(tmp_path / "mylib/client.py")
    assert "from myapp.compat import block_on\n" in text
    assert text.count("block_on(_fetch(") == 2
    assert "run_sync" not in text and "asyncio.run(" not in text


def test_ls104_existing_helper_import_is_not_duplicated(tmp_path: Path) -> None:
    source = LIBRARY.replace(
        "import asyncio\n", "import asyncio\n\nfrom loopsafe import run_sync\n", 1
    )
    source += "\n\ndef legacy(url):\n    return run_sync(_fetch(url))\n"
    write(tmp_path, {"mylib/__init__.py": "", "mylib/client.py": source})
    run = fix(tmp_path)
    assert run.code == 0, run.output
    text = read(tmp_path / "mylib/client.py")
    assert text == dedent(source).replace(
        "asyncio.run(_fetch(url))", "run_sync(_fetch(url), fresh_loop=True)"
    ).replace("asyncio.run(_fetch(u))", "run_sync(_fetch(u), fresh_loop=True)")
    assert text.count("from loopsafe import run_sync") == 1


def test_ls104_backs_off_with_debug(tmp_path: Path) -> None:
    source = LIBRARY.replace("asyncio.run(_fetch(url))", "asyncio.run(_fetch(url), debug=True)")
    write(tmp_path, {"mylib/__init__.py": "", "mylib/client.py": source})
    run = fix(tmp_path)
    text = read(tmp_path / "mylib/client.py")
    assert "asyncio.run(_fetch(url), debug=True)" in text
    assert "return [run_sync(_fetch(u), fresh_loop=True) for u in urls]" in text
    assert [(s.line, s.code) for s in run.skips()] == [(12, "LS104")]
    assert "debug=" in run.skips()[0].reason


def test_ls104_run_until_complete_is_an_unsafe_run_sync(tmp_path: Path) -> None:
    """`loop.run_until_complete()` on a loop made for that one run: run_sync() picks its
    own loop, so the fix is unsafe, and the loop made for the run goes with it."""
    source = """
    import asyncio


    async def _fetch():
        return 1


    def fetch():
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(_fetch())
        finally:
            loop.close()
    """
    write(tmp_path, {"mylib/__init__.py": "", "mylib/client.py": source})
    safe = fix(tmp_path)
    assert read(tmp_path / "mylib/client.py") == dedent(source)
    assert [(s.code, s.reason) for s in safe.skips()] == [
        ("LS104", "unsafe fix: apply it with --unsafe-fixes")
    ]
    fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "mylib/client.py") == dedent(
        """
        from loopsafe import run_sync


        async def _fetch():
            return 1


        def fetch():
            return run_sync(_fetch(), fresh_loop=True)
        """
    )


def test_ls104_leaves_a_module_loop_alone(tmp_path: Path) -> None:
    """A loop made at import time belongs to the module: other code may schedule work on
    it, or use what a run left bound to it. run_sync() runs elsewhere: no fix."""
    source = """
    import asyncio

    LOOP = asyncio.new_event_loop()


    async def _fetch():
        return 1


    def fetch():
        return LOOP.run_until_complete(_fetch())
    """
    write(tmp_path, {"mylib/__init__.py": "", "mylib/client.py": source})
    report = fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "mylib/client.py") == dedent(source)
    [skip] = [s for s in report.skips() if s.code == "LS104"]
    assert "a loop made outside `fetch` that other code may use as well" in skip.reason


LOOP_DRIVERS = """import asyncio


class Runner:
    def __init__(self):
        self._loop = asyncio.new_event_loop()

    def get_loop(self):
        return self._loop

    def run(self, coro):
        return self.get_loop().run_until_complete(coro)

    def start(self, coro):
        self._task = self._loop.create_task(coro)
        return self._loop.run_until_complete(self._task)

    def close(self):
        loop = self._loop
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def cancel_all(loop):
    loop.run_until_complete(asyncio.sleep(0))


def drive_client(make_client):
    loop = asyncio.new_event_loop()
    client = make_client(loop=loop)
    return loop.run_until_complete(client.fetch())
"""


def test_ls104_leaves_code_that_drives_one_particular_loop(tmp_path: Path) -> None:
    """Found on anyio's and uvicorn's own loop runners: code that creates tasks on its
    loop, shuts it down, hands it to objects or is handed it must keep running on that very
    loop. run_sync() would run the coroutine on another one ('attached to a different
    loop'), so even --unsafe-fixes leaves it, and says which use of the loop stops it."""
    write(tmp_path, {"mylib/__init__.py": "", "mylib/runner.py": LOOP_DRIVERS})
    run = fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "mylib/runner.py") == LOOP_DRIVERS
    reasons = {s.line: s.reason for s in run.skips() if s.code == "LS104"}
    line = {
        needle: _line_of(LOOP_DRIVERS, needle)
        for needle in (
            "self.get_loop().run_until_complete",
            "self._loop.run_until_complete(self._task)",
            "loop.run_until_complete(loop.shutdown_asyncgens())",
            "loop.run_until_complete(asyncio.sleep(0))",
            "loop.run_until_complete(client.fetch())",
        )
    }
    assert (
        "the loop `self.get_loop()` returns" in reasons[line["self.get_loop().run_until_complete"]]
    )
    assert "`self._loop.create_task`" in reasons[line["self._loop.run_until_complete(self._task)"]]
    assert (
        "`loop.shutdown_asyncgens`"
        in reasons[line["loop.run_until_complete(loop.shutdown_asyncgens())"]]
    )
    assert (
        "a loop its caller hands in" in reasons[line["loop.run_until_complete(asyncio.sleep(0))"]]
    )
    assert "make_client(... loop ...)" in reasons[line["loop.run_until_complete(client.fetch())"]]
    assert all("another loop" in reason for reason in reasons.values())


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --------------------------------------------------------------------------- LS304
def test_ls304_scope_becomes_loop_scope(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = function\n",
            "tests/test_api.py": """
            import pytest

            pytestmark = pytest.mark.asyncio(scope="session")


            @pytest.mark.asyncio(scope="module")
            async def test_a():
                assert True


            @pytest.mark.asyncio(loop_scope="module")
            async def test_b():
                assert True
            """,
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "tests/test_api.py") == dedent(
        """
        import pytest

        pytestmark = pytest.mark.asyncio(loop_scope="session")


        @pytest.mark.asyncio(loop_scope="module")
        async def test_a():
            assert True


        @pytest.mark.asyncio(loop_scope="module")
        async def test_b():
            assert True
        """
    )


# --------------------------------------------------------------------------- LS103
CHAIN = {
    "app/__init__.py": "",
    "app/util.py": """
    '''Storage access.'''

    import asyncio


    async def _load(key):
        return key


    def load(key):
        return asyncio.run(_load(key))
    """,
    "app/service.py": """
    '''Business logic.'''

    from app.util import load


    def lookup(key):
        return load(key) + "!"
    """,
    "app/routes.py": """
    from app.service import lookup


    async def handler(key):
        value = lookup(key)
        return value
    """,
}


def test_ls103_is_unsafe_and_left_alone_without_the_flag(tmp_path: Path) -> None:
    write(tmp_path, CHAIN)
    before = snapshot(tmp_path)
    run = fix(tmp_path)
    assert snapshot(tmp_path) == before
    assert run.code == 1
    assert run.skips() == [
        Skip("app/util.py", 11, "LS103", "unsafe fix: apply it with --unsafe-fixes")
    ]


def test_ls103_makes_the_chain_async_across_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHAIN,
            "app/cli.py": """
            '''Command line.'''

            from app.service import lookup


            def main():
                print(lookup("x"))


            if __name__ == "__main__":
                main()
            """,
            "app/jobs.py": """
            import threading

            from celery import shared_task

            from app.util import load


            @shared_task
            def refresh(key):
                return load(key)


            def _background():
                load("bg")


            def start():
                threading.Thread(target=_background).start()
            """,
            "tests/test_service.py": """
            from app.service import lookup


            def test_lookup():
                assert lookup("k") == "k!"
            """,
        },
    )
    run = fix(tmp_path, "--unsafe-fixes", spawn=True)
    assert run.code == 0, run.output
    assert run.summary().fixed == 1
    assert read(tmp_path / "app/util.py") == dedent(
        """
        '''Storage access.'''


        async def _load(key):
            return key


        async def load(key):
            return await _load(key)
        """
    )
    assert read(tmp_path / "app/service.py") == dedent(
        """
        '''Business logic.'''

        from app.util import load


        async def lookup(key):
            return await load(key) + "!"
        """
    )
    assert read(tmp_path / "app/routes.py") == dedent(
        """
        from app.service import lookup


        async def handler(key):
            value = await lookup(key)
            return value
        """
    )
    assert read(tmp_path / "app/cli.py") == dedent(
        """
        '''Command line.'''

        import asyncio

        from app.service import lookup


        def main():
            print(asyncio.run(lookup("x")))


        if __name__ == "__main__":
            main()
        """
    )
    jobs = read(tmp_path / "app/jobs.py")
    assert "    return asyncio.run(load(key))\n" in jobs  # worker task
    assert '    asyncio.run(load("bg"))\n' in jobs  # thread target
    assert jobs.count("import asyncio\n") == 1
    assert read(tmp_path / "tests/test_service.py") == dedent(
        """
        import asyncio

        from app.service import lookup


        def test_lookup():
            assert asyncio.run(lookup("k")) == "k!"
        """
    )


def test_ls103_blocked_by_a_sync_caller_names_it(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["app/util.py"] = (
        files["app/util.py"] + '\n\n    def _warm():\n        load("warm")\n\n\n    _warm()\n'
    )
    write(tmp_path, files)
    before = snapshot(tmp_path)
    run = fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == before
    [skip] = run.skips()
    assert (skip.path, skip.line, skip.code) == ("app/util.py", 11, "LS103")
    assert "app.util:_warm" in skip.reason


def test_ls103_blocked_by_an_exposed_caller_names_it(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["app/util.py"] = (
        files["app/util.py"] + "\n\n    def public_api(key):\n        return load(key)\n"
    )
    write(tmp_path, files)
    run = fix(tmp_path, "--unsafe-fixes")
    [skip] = run.skips()
    assert skip.code == "LS103"
    assert "public_api" in skip.reason, skip.reason


def test_ls103_awaits_only_the_calls_of_the_chain(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/util.py": """
            import asyncio


            async def _load(key):
                return key


            def load(key):
                return asyncio.run(_load(key))


            def lookup(key, cache):
                return cache.load(key) or load(key)


            async def handler(key, cache):
                return lookup(key, cache)
            """,
        },
    )
    fix(tmp_path, "--unsafe-fixes")
    text = read(tmp_path / "app/util.py")
    assert "    return cache.load(key) or await load(key)\n" in text, text


@pytest.mark.parametrize(
    "name",
    [
        "plain",
        "é",
        "ﬁle",
        "名前",
    ],
)
def test_ls103_is_found_for_non_ascii_function_names(tmp_path: Path, name: str) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": f"import asyncio\n\n\nasync def _load():\n    return 1\n\n\n"
            f"def {name}():\n    return asyncio.run(_load())\n\n\n"
            f"async def caller():\n    return {name}()\n",
        },
    )
    run = loopsafe(tmp_path, "check", "--no-cache", "--format", "json", ".")
    codes = [f["code"] for f in json.loads(run.stdout)["findings"] if f["action"] == "fix"]
    assert codes == ["LS103"]


GENERATOR_CHAIN = """
import asyncio


async def _load(k):
    return k


def load(keys):
    for k in keys:
        yield asyncio.run(_load(k))


async def handler(keys):
    return list(load(keys))
"""


def run_probe(root: Path, code: str) -> str:
    """Run `code` against the (fixed) project in a subprocess: its output, or its error."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.stdout.strip() or proc.stderr.strip().splitlines()[-1]


def test_the_generator_chain_works_before_the_fix_when_no_loop_runs(tmp_path: Path) -> None:
    write(tmp_path, {"gen.py": GENERATOR_CHAIN})
    assert run_probe(tmp_path, "import gen; print(list(gen.load([1, 2])))") == "[1, 2]"


def test_ls103_generator_in_the_chain_is_skipped_or_still_works(tmp_path: Path) -> None:
    write(tmp_path, {"gen.py": GENERATOR_CHAIN})
    run = fix(tmp_path, "--unsafe-fixes")
    if read(tmp_path / "gen.py") == dedent(GENERATOR_CHAIN):
        assert any("generator" in s.reason for s in run.skips()), run.output
        return
    # The fix went ahead: the fixed chain must still produce the values.
    code = "import asyncio, gen; print(asyncio.run(gen.handler([1, 2])))"
    assert run_probe(tmp_path, code) == "[1, 2]"


def test_ls103_awaits_a_call_through_an_import_alias(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["app/service.py"] = """
    from app.util import load as _load


    class Pricing:
        def lookup(self, key):
            return _load(key) + "!"
    """
    files["app/routes.py"] = """
    from app.service import Pricing


    async def handler(key):
        return Pricing().lookup(key)
    """
    write(tmp_path, files)
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.summary().fixed == 1, run.output
    service = read(tmp_path / "app/service.py")
    assert '    async def lookup(self, key):\n        return await _load(key) + "!"\n' in service
    # The outer call starts where `Pricing()` does: only the method call is awaited.
    routes = read(tmp_path / "app/routes.py")
    assert "    return await Pricing().lookup(key)\n" in routes, routes


def test_ls103_method_called_on_an_unknown_object_is_left_alone(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["app/service.py"] = """
    from app.util import load


    class Pricing:
        @classmethod
        def default(cls):
            return cls()

        def lookup(self, key):
            return load(key) + "!"
    """
    files["app/routes.py"] = """
    from app.service import Pricing


    async def handler(key):
        pricing = Pricing.default()
        return pricing.lookup(key)


    async def other(key):
        return Pricing().lookup(key)
    """
    write(tmp_path, files)
    before = snapshot(tmp_path)
    run = fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == before  # else `pricing.lookup(key)` is never awaited
    [skip] = run.skips()
    assert skip.code == "LS103"
    assert "app.service:Pricing.lookup is a method" in skip.reason, skip.reason
    assert "app/routes.py:6" in skip.reason, skip.reason


def test_ls103_sync_test_helpers_and_fixtures_enter_the_loop(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["tests/test_service.py"] = """
    import pytest

    from app.service import lookup


    def _expected(key):
        return lookup(key)


    @pytest.fixture
    def value():
        return lookup("v")


    def test_helper(value):
        assert _expected("k") == "k!" and value == "v!"
    """
    write(tmp_path, files)
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.summary().fixed == 1, run.output
    text = read(tmp_path / "tests/test_service.py")
    assert "    return asyncio.run(lookup(key))\n" in text, text
    assert '    return asyncio.run(lookup("v"))\n' in text, text


def test_ls103_blocked_by_a_sync_fixture_of_async_tests_says_so(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["tests/test_service.py"] = """
    import pytest

    from app.service import lookup


    @pytest.fixture
    def value():
        return lookup("v")


    @pytest.mark.asyncio
    async def test_value(value):
        assert value == "v!"
    """
    write(tmp_path, files)
    run = fix(tmp_path, "--unsafe-fixes")
    [skip] = [s for s in run.skips() if s.code == "LS103"]
    assert "test_service:value is a sync fixture that async tests use" in skip.reason, skip.reason


def test_ls103_call_in_a_generator_expression_names_why(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["app/service.py"] = """
    from app.util import load


    def lookup(key):
        return sum(len(load(k)) for k in key)
    """
    write(tmp_path, files)
    run = fix(tmp_path, "--unsafe-fixes")
    [skip] = run.skips()
    assert "inside a lambda or a generator expression" in skip.reason, skip.reason


def test_ls104_run_sync_keeps_comments_inside_the_call(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib.py": """
            import asyncio


            async def fetch():
                return 1


            def fetch_sync():
                return asyncio.run(
                    # the reason
                    fetch()
                )
            """
        },
    )
    fix(tmp_path)
    assert read(tmp_path / "lib.py").endswith(
        "    return run_sync(\n        # the reason\n        fetch(),\n        fresh_loop=True\n    )\n"
    )


def test_ls101_anyio_run_keywords_stay_with_the_runner(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": """
            import anyio


            async def add(a, b=0):
                return a + b


            async def bridge(x):
                return anyio.run(add, x, 1, backend="asyncio", backend_options={})
            """
        },
    )
    fix(tmp_path, "--unsafe-fixes")
    # `backend=` would reach `add()` and raise TypeError there.
    assert read(tmp_path / "app.py").endswith("    return await add(x, 1)\n")


# --------------------------------------------------------------------------- LS105
def test_ls105_blocking_waits_become_awaits(tmp_path: Path) -> None:
    source = """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor()


    async def work():
        return 1


    async def submitted():
        return executor.submit(asyncio.run, work()).result()


    async def threadsafe(loop):
        return asyncio.run_coroutine_threadsafe(work(), loop).result()
    """
    write(tmp_path, {"app.py": source})
    safe_only = fix(tmp_path)
    assert read(tmp_path / "app.py") == dedent(source)
    assert [(s.line, s.code) for s in safe_only.skips()] == [(12, "LS105"), (16, "LS105")]
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == dedent(
        """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor()


        async def work():
            return 1


        async def submitted():
            return await work()


        async def threadsafe(loop):
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work(), loop))
        """
    )


def test_ls105_future_waited_on_later_is_skipped_with_why(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": """
            import asyncio
            from concurrent.futures import ThreadPoolExecutor


            async def work():
                return 1


            async def later():
                with ThreadPoolExecutor() as executor:
                    future = executor.submit(asyncio.run, work())
                    return future.result()


            async def timed(loop):
                return asyncio.run_coroutine_threadsafe(work(), loop).result(timeout=5)
            """
        },
    )
    run = fix(tmp_path, "--unsafe-fixes")
    reasons = {s.line: s.reason for s in run.skips()}
    assert "the future is kept and waited on elsewhere" in reasons[11], reasons
    assert "given a timeout" in reasons[16], reasons


# --------------------------------------------------------------------------- LS301
CONFTEST = """
'''Shared fixtures.'''

import asyncio

import pytest


@pytest.fixture(scope="module")
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def token():
    return "t"
"""
CONFTEST_FIXED = """
'''Shared fixtures.'''

import pytest


@pytest.fixture
def token():
    return "t"
"""
TEST_MODULE = """
import pytest


@pytest.mark.asyncio
async def test_a(token):
    assert token
"""


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        (
            "pytest.ini",
            "[pytest]\n# keep this comment\naddopts =  -ra\nasyncio_mode = strict\n\n"
            "[other]\nx = 1\n",
            "[pytest]\n# keep this comment\naddopts =  -ra\nasyncio_mode = strict\n"
            "asyncio_default_fixture_loop_scope = module\n"
            "asyncio_default_test_loop_scope = module\n\n[other]\nx = 1\n",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"  # the name\n\n[tool.pytest.ini_options]\n# comment\n'
            'addopts = "-ra"\n\n[tool.other]\nk = [1,   2]\n',
            '[project]\nname = "x"  # the name\n\n[tool.pytest.ini_options]\n# comment\n'
            'addopts = "-ra"\nasyncio_default_fixture_loop_scope = "module"\n'
            'asyncio_default_test_loop_scope = "module"\n\n[tool.other]\nk = [1,   2]\n',
        ),
        (
            "setup.cfg",
            "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -ra\n; comment\n\n"
            "[flake8]\nmax-line-length = 100\n",
            "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -ra\n; comment\n"
            "asyncio_default_fixture_loop_scope = module\n"
            "asyncio_default_test_loop_scope = module\n\n[flake8]\nmax-line-length = 100\n",
        ),
        (
            "tox.ini",
            "[tox]\nenvlist = py311\n\n[pytest]\naddopts = -ra\n\n[testenv]\ncommands = pytest\n",
            "[tox]\nenvlist = py311\n\n[pytest]\naddopts = -ra\n"
            "asyncio_default_fixture_loop_scope = module\n"
            "asyncio_default_test_loop_scope = module\n\n[testenv]\ncommands = pytest\n",
        ),
    ],
)
def test_ls301_fixture_deleted_and_loop_scope_set_in_config(
    tmp_path: Path, name: str, before: str, after: str
) -> None:
    write(
        tmp_path,
        {name: before.encode(), "tests/conftest.py": CONFTEST, "tests/test_a.py": TEST_MODULE},
    )
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.code in (0, 1), run.output
    assert read(tmp_path / "tests/conftest.py") == dedent(CONFTEST_FIXED)
    assert read(tmp_path / name) == after
    assert run.summary().files == 2


def test_ls301_two_event_loop_overrides_in_one_module(tmp_path: Path) -> None:
    fixture = (
        '@pytest.fixture(scope="module")\ndef event_loop():\n'
        "    loop = asyncio.new_event_loop()\n    yield loop\n    loop.close()\n"
    )
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nasyncio_mode = strict\n",
            "tests/conftest.py": f"import asyncio\n\nimport pytest\n\n\n{fixture}\n\n{fixture}",
            "tests/test_a.py": TEST_MODULE,
        },
    )
    first = fix(tmp_path, "--unsafe-fixes")
    after_first = snapshot(tmp_path)
    assert "def event_loop" not in read(tmp_path / "tests/conftest.py"), first.output
    fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == after_first


def test_ls301_without_any_pytest_config_writes_pytest_ini(tmp_path: Path) -> None:
    write(tmp_path, {"tests/conftest.py": CONFTEST, "tests/test_a.py": TEST_MODULE})
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.code in (0, 1), run.output
    assert read(tmp_path / "pytest.ini") == (
        "[pytest]\nasyncio_default_fixture_loop_scope = module\n"
        "asyncio_default_test_loop_scope = module\n"
    )


def test_ls301_uses_the_config_pytest_reads(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n'
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\naddopts = -ra\n",
            "pyproject.toml": pyproject.encode(),
            "tests/conftest.py": CONFTEST,
            "tests/test_a.py": TEST_MODULE,
        },
    )
    fix(tmp_path, "--unsafe-fixes")
    assert read(tmp_path / "pyproject.toml") == pyproject
    assert read(tmp_path / "pytest.ini") == (
        "[pytest]\naddopts = -ra\nasyncio_default_fixture_loop_scope = module\n"
        "asyncio_default_test_loop_scope = module\n"
    )


# --------------------------------------------------------------------------- LS303
FIXTURE = """
'''Fixtures.'''

import asyncio

import pytest


async def make_db():
    return {"db": 1}


@pytest.fixture
def db():
    return asyncio.run(make_db())
"""


@pytest.mark.parametrize(
    ("mode", "decorator", "imports"),
    [
        ("strict", "@pytest_asyncio.fixture", "import pytest\nimport pytest_asyncio\n"),
        ("auto", "@pytest.fixture", "import pytest\n"),
    ],
)
def test_ls303_sync_fixture_becomes_async(
    tmp_path: Path, mode: str, decorator: str, imports: str
) -> None:
    write(
        tmp_path,
        {
            "pytest.ini": f"[pytest]\nasyncio_mode = {mode}\n"
            "asyncio_default_fixture_loop_scope = function\n",
            "tests/conftest.py": FIXTURE,
            "tests/test_db.py": """
            import pytest


            @pytest.mark.asyncio
            async def test_db(db):
                assert db
            """,
        },
    )
    assert fix(tmp_path).skips()[0].reason == "unsafe fix: apply it with --unsafe-fixes"
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.code == 0, run.output
    assert read(tmp_path / "tests/conftest.py") == (
        f"'''Fixtures.'''\n\n{imports}\n\nasync def make_db():\n"
        '    return {"db": 1}\n\n\n'
        f"{decorator}\nasync def db():\n    return await make_db()\n"
    )


# --------------------------------------------------------------------------- imports
def test_helper_import_respects_future_and_docstring(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/a.py": """
            '''Module docstring.'''

            from __future__ import annotations

            import asyncio


            async def _get():
                return 1


            def get():
                return asyncio.run(_get())
            """,
            "lib/b.py": """
            #!/usr/bin/env python
            # A comment that is not a docstring.
            import asyncio


            async def _get():
                return 1


            def get():
                return asyncio.run(_get())
            """,
        },
    )
    run = fix(tmp_path)
    assert run.code == 0, run.output
    # `from __future__` keeps its own block, as isort lays it out.
    assert read(tmp_path / "lib/a.py") == dedent(
        """
        '''Module docstring.'''

        from __future__ import annotations

        from loopsafe import run_sync


        async def _get():
            return 1


        def get():
            return run_sync(_get(), fresh_loop=True)
        """
    )
    assert read(tmp_path / "lib/b.py") == dedent(
        """
        #!/usr/bin/env python
        # A comment that is not a docstring.
        from loopsafe import run_sync


        async def _get():
            return 1


        def get():
            return run_sync(_get(), fresh_loop=True)
        """
    )


def test_import_asyncio_kept_while_something_else_uses_it(tmp_path: Path) -> None:
    source = """
    import asyncio


    async def fetch():
        return 1


    async def handler():
        await asyncio.sleep(0)
        return asyncio.run(fetch())


    def annotated() -> "asyncio.Task[int]":
        raise NotImplementedError
    """
    write(tmp_path, {"app.py": source})
    run = fix(tmp_path)
    assert run.code == 0, run.output
    assert read(tmp_path / "app.py") == dedent(source).replace(
        "asyncio.run(fetch())", "await fetch()"
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "import asyncio\n\nimport os\n\n\nasync def f():\n    return asyncio.run(g())\n",
            "import os\n\n\nasync def f():\n    return await g()\n",
        ),
        (
            '"""Doc."""\n\nimport asyncio\nimport os\n\n\nasync def f():\n'
            "    return asyncio.run(g())\n",
            '"""Doc."""\n\nimport os\n\n\nasync def f():\n    return await g()\n',
        ),
    ],
    ids=["file-start", "after-docstring"],
)
def test_dropping_import_asyncio_keeps_the_layout(tmp_path: Path, before: str, after: str) -> None:
    write(tmp_path, {"app.py": before.encode()})
    fix(tmp_path)
    assert read(tmp_path / "app.py") == after


@pytest.mark.parametrize(
    "binding",
    ["from other.helpers import run_sync\n", "\n\ndef run_sync(x):\n    return x\n"],
    ids=["imported", "defined"],
)
def test_ls104_never_rebinds_an_existing_run_sync(tmp_path: Path, binding: str) -> None:
    source = (
        "import asyncio\n"
        + (binding if binding.startswith("from") else "")
        + "\n\nasync def _get():\n    return 1\n\n\ndef get():\n    return asyncio.run(_get())\n"
        + (binding if not binding.startswith("from") else "")
    )
    write(tmp_path, {"mylib/__init__.py": "", "mylib/a.py": source.encode()})
    fix(tmp_path)
    tree = ast.parse(read(tmp_path / "mylib/a.py"))
    bindings = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ImportFrom | ast.Import)
        and any(
            (getattr(n, "asname", None) or getattr(n, "name", "")) == "run_sync"
            for n in getattr(node, "names", [node])
        )
    ]
    assert len(bindings) == 1, read(tmp_path / "mylib/a.py")


def test_unsafe_fixes_are_not_written_without_the_flag(tmp_path: Path) -> None:
    """Unsafe fixes are planned but never written without --unsafe-fixes."""
    write(tmp_path, {"tests/conftest.py": CONFTEST, "tests/test_a.py": TEST_MODULE})
    before = snapshot(tmp_path)
    run = loopsafe(tmp_path, "fix", "--no-cache", ".")
    assert snapshot(tmp_path) == before
    assert [s.code for s in run.skips()] == ["LS301"]
