"""The documentation of every rule, registered into the catalogue on import.

Each rule carries Fixit-style `invalid` and `valid` examples: small self-contained
modules that, analysed alone as a one-file project, must (invalid) or must not (valid)
produce the rule; `tests/test_rule_docs.py` enforces that. An example is written to
`example.py` unless its first line is a comment naming another file, such as
`# test_users.py` or `# conftest.py` (test-only rules need a test module). The same
first-line comment picks the language of `example` / `use_instead` snippets in the
rendered docs (`# pyproject.toml` is TOML).

Two rules cannot be shown completely in a single module; `tests/cases/` covers them:

* LS106 has no `invalid` example. It needs a *library* module, one that another project
  module imports; a lone module with top-level code is a script, whose loop entries are
  `entrypoint` (LS100).
* LS302 has no `valid` example. Its subject is the configuration file (`pyproject.toml`,
  `pytest.ini`, ...); a lone async test module without one is its `invalid` example, but
  the configured case needs a second file.
"""

from __future__ import annotations

from textwrap import dedent

from loopsafe.model import Action, FixSafety
from loopsafe.rules.catalogue import RuleDoc, register


def _t(text: str) -> str:
    """Dedent a triple-quoted block and trim the blank lines around it."""
    return dedent(text).strip("\n").rstrip()


def _m(text: str) -> str:
    """A module example: dedented, ending with exactly one newline."""
    return _t(text) + "\n"


register(
    RuleDoc(
        code="LS000",
        name="parse-error",
        summary="A file could not be read or parsed; it is reported and skipped, never fatal.",
        default_action=Action.FIX,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Reports a file that loopsafe could not read (for example, not valid UTF-8) or
            could not parse as Python. The scan goes on without it: the file gets no other
            findings, and fixes never touch it.
            """
        ),
        why_bad=_t(
            """
            A file that cannot be parsed cannot be checked. Any `asyncio.run()` inside it is
            invisible, so an all-clear would be wrong; that is why `loopsafe check` exits
            with status 1 while such files remain. Usual causes are a syntax error, a
            Python 2 file, or a template or generated file with a `.py` name.
            """
        ),
        example=_m(
            """
            import asyncio


            async def fetch(:
                await asyncio.sleep(1)
            """
        ),
        use_instead=_m(
            """
            import asyncio


            async def fetch() -> None:
                await asyncio.sleep(1)
            """
        ),
        fix_notes=_t(
            """
            No automatic fix. Repair the file, or leave it out of the scan with
            `--exclude GLOB` (or `exclude` in `[tool.loopsafe]`) if it is not Python source.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                def fetch(:
                    return asyncio.run(main())
                """
            ),
            _m(
                """
                import asyncio

                print "starting"
                asyncio.get_event_loop().run_until_complete(main())
                """
            ),
        ),
        valid=(
            _m(
                """
                import asyncio


                async def describe(value: object) -> str:
                    match value:
                        case int(n) if (doubled := n * 2) > 10:
                            await asyncio.sleep(0)
                            return f"big {doubled}"
                        case _:
                            return "other"
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS100",
        name="loop-site-accepted",
        summary="A loop site that is fine where it is; listed with `--show-ok`, with the reason.",
        default_action=Action.OK,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Every place that enters, creates, fetches or patches an event loop is a *site*.
            LS100 is the verdict for sites that are safe in their context, and its message
            says why:

            - a loop entry (`asyncio.run()`, `run_until_complete()`, ...) in an entry point:
              an `if __name__ == "__main__":` block, the module level of a script, a click or
              typer command, an argparse `main`, a console-script target, or code only those
              reach;
            - a loop entry in a task-queue task (Celery, RQ, Dramatiq, Huey, arq) or in code
              that runs in a worker thread (`threading.Thread` targets, `run_in_executor`,
              `asyncio.to_thread`, executor `submit`, sync FastAPI routes);
            - a loop entry behind an explicit no-running-loop check (`guarded`);
            - a loop entry in test code that no async test reaches;
            - `asyncio.get_event_loop()` behind such a check, or right after
              `asyncio.set_event_loop()` in the same function;
            - `new_event_loop()` whose loop is closed, returned or handed on, and
              `set_event_loop()` that does not leave a closed loop behind.
            """
        ),
        why_bad=_t(
            """
            Nothing is wrong: no loop is running in these contexts, so entering one works.
            The sites are still recorded so the audit is complete (`--format json` and the
            report list them), and so that a later change which makes one of them reachable
            from async code shows up as LS103 instead of going unnoticed. Text output hides
            them unless `--show-ok` is given.
            """
        ),
        example=_m(
            """
            import asyncio


            async def main() -> None:
                ...


            if __name__ == "__main__":
                asyncio.run(main())  # LS100: an entry point, no loop is running here
            """
        ),
        use_instead="",
        fix_notes=_t(
            """
            No fix: there is nothing to change. If the stated reason is wrong (say, a
            function taken for an entry point is also called from a coroutine), the bug is
            in that caller: make it `await` the coroutine instead.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                async def main() -> None:
                    await asyncio.sleep(0)


                if __name__ == "__main__":
                    asyncio.run(main())
                """
            ),
            _m(
                """
                import asyncio


                async def fetch() -> int:
                    return 1


                def fetch_sync() -> int:
                    try:
                        asyncio.get_running_loop()
                    except RuntimeError:
                        return asyncio.run(fetch())
                    raise RuntimeError("fetch_sync() called from async code: await fetch() instead")
                """
            ),
        ),
        valid=(
            _m(
                """
                import asyncio


                async def fetch() -> int:
                    return 1


                async def handler() -> int:
                    return asyncio.run(fetch())
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS101",
        name="asyncio-run-in-coroutine",
        summary="`asyncio.run()` is called inside a coroutine, where a loop is already running.",
        default_action=Action.FIX,
        fix_safety=FixSafety.SAFE,
        what_it_does=_t(
            """
            Finds `asyncio.run()` calls lexically inside an `async def`, whatever the import
            form: `import asyncio as aio; aio.run(...)`, `from asyncio import run`,
            `from asyncio import run as arun`, `asyncio.runners.run`. The other loop runners
            (`asyncio.Runner(...)`, `anyio.run()`, `trio.run()`, `uvloop.run()`) count too.
            """
        ),
        why_bad=_t(
            """
            `asyncio.run()` starts a new event loop, and a thread runs at most one loop at a
            time. Inside a coroutine a loop is already running, so the call raises
            `RuntimeError: asyncio.run() cannot be called from a running event loop`, on every
            Python version, and the coroutine passed in is never awaited (hence the
            `RuntimeWarning: coroutine ... was never awaited` that follows). The other
            runners either fail the same way or block the running loop until they finish.

            Such code often passes tests that call it from sync code and fails in
            production: under an ASGI server, in a notebook, or under pytest-asyncio.
            """
        ),
        example=_m(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                ...


            async def handle(user_id: int) -> dict[str, object]:
                user = asyncio.run(fetch_user(user_id))
                return {"user": user}
            """
        ),
        use_instead=_m(
            """
            async def handle(user_id: int) -> dict[str, object]:
                user = await fetch_user(user_id)
                return {"user": user}
            """
        ),
        fix_notes=_t(
            """
            The fix replaces `asyncio.run(x)` with `await x`. It is safe when `x` is the only
            argument: the original call could never succeed inside a running loop, so the
            only change in behaviour is that the code now works. With `debug=` or
            `loop_factory=` the fix is not offered as safe, because those arguments configure
            a loop that will no longer be created.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                async def fetch() -> int:
                    return 1


                async def handler() -> int:
                    return asyncio.run(fetch())
                """
            ),
            _m(
                """
                from asyncio import run as arun


                class Client:
                    async def _get(self) -> bytes:
                        return b""

                    async def get(self) -> bytes:
                        return arun(self._get())
                """
            ),
        ),
        valid=(
            _m(
                """
                async def fetch() -> int:
                    return 1


                async def handler() -> int:
                    return await fetch()
                """
            ),
            _m(
                """
                import asyncio


                async def main() -> None:
                    await asyncio.sleep(0)


                if __name__ == "__main__":
                    asyncio.run(main())
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS102",
        name="run-until-complete-in-coroutine",
        summary="`loop.run_until_complete()` is called inside a coroutine.",
        default_action=Action.FIX,
        fix_safety=FixSafety.SAFE,
        what_it_does=_t(
            """
            Finds `<loop>.run_until_complete(...)` on any receiver, and `<loop>.run_forever()`
            on a receiver known to be an event loop, lexically inside an `async def`.
            """
        ),
        why_bad=_t(
            """
            An asyncio loop cannot be started while another loop, or the same one, is running
            in the thread. On the running loop the call raises
            `RuntimeError: This event loop is already running`; on any other loop it raises
            `RuntimeError: Cannot run the event loop while another loop is running`. Either
            way the awaitable never runs (a coroutine is reported as never awaited), and a
            loop created just for the call is leaked as well.
            """
        ),
        example=_m(
            """
            import asyncio


            async def refresh_cache() -> None:
                ...


            async def handle() -> None:
                loop = asyncio.get_running_loop()
                loop.run_until_complete(refresh_cache())
            """
        ),
        use_instead=_m(
            """
            async def handle() -> None:
                await refresh_cache()
            """
        ),
        fix_notes=_t(
            """
            The fix replaces `loop.run_until_complete(x)` with `await x`. It is safe: the
            original call always raised. A `run_forever()` call has nothing to await in its
            place; await whatever should keep the coroutine alive instead, such as an
            `asyncio.Event`.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                async def fetch() -> int:
                    return 1


                async def handler() -> int:
                    loop = asyncio.get_running_loop()
                    return loop.run_until_complete(fetch())
                """
            ),
            _m(
                """
                import asyncio


                async def fetch() -> int:
                    return 1


                async def handler() -> int:
                    loop = asyncio.new_event_loop()
                    try:
                        return loop.run_until_complete(fetch())
                    finally:
                        loop.close()
                """
            ),
        ),
        valid=(
            _m(
                """
                async def fetch() -> int:
                    return 1


                async def handler() -> int:
                    return await fetch()
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS103",
        name="loop-entry-reachable-from-async",
        summary="A sync function that enters a loop is called, directly or via sync calls, from a coroutine.",
        default_action=Action.FIX,
        fix_safety=FixSafety.UNSAFE,
        what_it_does=_t(
            """
            Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in a sync
            function that an `async def` in the project calls, directly or through a chain
            of sync calls, and not through a thread or an executor. Calls are followed
            across modules, methods, constructors and decorators; functions registered as
            loop callbacks (`call_soon`, `add_done_callback`, ...) count as called from async
            code. The finding shows the shortest call path, for example
            `via app.routes:get_user -> app.service:load_user`. In test code the same
            situation is reported as LS303.
            """
        ),
        why_bad=_t(
            """
            The sync function runs inside the caller's loop, so its `asyncio.run()` raises
            `RuntimeError: asyncio.run() cannot be called from a running event loop` (and
            `run_until_complete()` raises `This event loop is already running`). Nothing at
            the site looks wrong, and unit tests that call the sync function directly pass;
            it fails only once the async caller runs, often far away in another module.
            """
        ),
        example=_m(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                ...


            def load_user(user_id: int) -> dict[str, int]:
                return asyncio.run(fetch_user(user_id))


            async def get_user(user_id: int) -> dict[str, int]:
                return load_user(user_id)  # raises: a loop is already running
            """
        ),
        use_instead=_m(
            """
            async def load_user(user_id: int) -> dict[str, int]:
                return await fetch_user(user_id)


            async def get_user(user_id: int) -> dict[str, int]:
                return await load_user(user_id)
            """
        ),
        fix_notes=_t(
            """
            Unsafe, and applied only with `--unsafe-fixes`: there are two ways out and both
            change more than the site. Making the chain async changes the signature of every
            function on the call path, and their other callers must change too. Offloading
            the sync function to a thread (`await asyncio.to_thread(load_user, user_id)`)
            keeps the signatures, but the coroutine then runs on a second loop in a worker
            thread, where objects bound to the caller's loop (connections, locks, queues)
            cannot be used. Review the diff.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                async def fetch_user(user_id: int) -> dict[str, int]:
                    return {"id": user_id}


                def load_user(user_id: int) -> dict[str, int]:
                    return asyncio.run(fetch_user(user_id))


                async def get_user(user_id: int) -> dict[str, int]:
                    return load_user(user_id)
                """
            ),
            _m(
                """
                import asyncio


                class Repository:
                    async def _count(self) -> int:
                        return 0

                    def count(self) -> int:
                        return asyncio.run(self._count())


                async def stats() -> int:
                    repo = Repository()
                    return repo.count()
                """
            ),
        ),
        valid=(
            _m(
                """
                async def fetch_user(user_id: int) -> dict[str, int]:
                    return {"id": user_id}


                async def load_user(user_id: int) -> dict[str, int]:
                    return await fetch_user(user_id)


                async def get_user(user_id: int) -> dict[str, int]:
                    return await load_user(user_id)
                """
            ),
            _m(
                """
                import asyncio


                async def fetch_user(user_id: int) -> dict[str, int]:
                    return {"id": user_id}


                def load_user(user_id: int) -> dict[str, int]:
                    return asyncio.run(fetch_user(user_id))


                async def get_user(user_id: int) -> dict[str, int]:
                    return await asyncio.to_thread(load_user, user_id)
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS104",
        name="sync-wrapper",
        summary="A sync library function wraps a coroutine in a new loop; it breaks for callers that run one.",
        default_action=Action.FIX,
        fix_safety=FixSafety.SAFE,
        what_it_does=_t(
            """
            Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in sync
            functions that code outside the project can call (public functions with no
            caller in the project, or functions reached from import-time code) and that are
            not shown reachable from async code in the project. These are sync convenience
            wrappers around an async implementation.
            """
        ),
        why_bad=_t(
            """
            The wrapper works from a plain script and fails for every caller that already
            runs an event loop: Jupyter and IPython, ASGI apps (FastAPI, Starlette), async
            test suites under pytest-asyncio, async frameworks calling back into sync code.
            They all get `RuntimeError: asyncio.run() cannot be called from a running event
            loop`. Even where it works, each call builds and tears down a fresh loop, so
            anything that binds to a loop (client sessions, connection pools, asyncio locks
            kept between calls) fails on a later call with errors such as
            `... is bound to a different event loop` or `Event loop is closed`.
            """
        ),
        example=_m(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                ...


            def get_user(user_id: int) -> dict[str, int]:
                \"\"\"Sync API for callers without an event loop.\"\"\"
                return asyncio.run(fetch_user(user_id))
            """
        ),
        use_instead=_m(
            """
            from loopsafe import run_sync


            def get_user(user_id: int) -> dict[str, int]:
                \"\"\"Sync API for callers without an event loop; async callers await fetch_user().\"\"\"
                return run_sync(fetch_user(user_id))
            """
        ),
        fix_notes=_t(
            """
            The fix replaces `asyncio.run(x)` with `run_sync(x)` and adds the import, from
            `loopsafe` or from the import path configured in `[tool.loopsafe]` (for example a
            copy written by `loopsafe vendor-helper`). It is safe: with no loop running,
            `run_sync(x)` does what `asyncio.run(x)` did; with a loop running it raises a
            `RuntimeError` that names the caller and says to `await` instead, and with
            `allow_running_loop=True` it runs the coroutine on a background loop thread.
            For `loop.run_until_complete(x)` the fix is unsafe: the original ran on that
            particular loop, and whatever is bound to it will not be on the loop `run_sync`
            uses. There is no fix at all when the code drives that one loop: the loop is a
            parameter, comes from a method of the code's own (`self.get_loop()`), or is used
            for anything besides running and closing it (`create_task`, `shutdown_asyncgens`,
            handing it to an object); the skip names that use.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                async def fetch_user(user_id: int) -> dict[str, int]:
                    return {"id": user_id}


                def get_user(user_id: int) -> dict[str, int]:
                    return asyncio.run(fetch_user(user_id))
                """
            ),
            _m(
                """
                import asyncio


                async def _ping() -> bool:
                    return True


                def ping() -> bool:
                    loop = asyncio.new_event_loop()
                    try:
                        return loop.run_until_complete(_ping())
                    finally:
                        loop.close()
                """
            ),
        ),
        valid=(
            _m(
                """
                from loopsafe import run_sync


                async def fetch_user(user_id: int) -> dict[str, int]:
                    return {"id": user_id}


                def get_user(user_id: int) -> dict[str, int]:
                    return run_sync(fetch_user(user_id))
                """
            ),
            _m(
                """
                import asyncio


                async def fetch_user(user_id: int) -> dict[str, int]:
                    return {"id": user_id}


                def get_user(user_id: int) -> dict[str, int]:
                    try:
                        asyncio.get_running_loop()
                    except RuntimeError:
                        return asyncio.run(fetch_user(user_id))
                    raise RuntimeError("get_user() called from async code: await fetch_user()")
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS105",
        name="blocking-wait-in-coroutine",
        summary="A coroutine blocks on a future or executor result whose work runs another event loop.",
        default_action=Action.FIX,
        fix_safety=FixSafety.UNSAFE,
        what_it_does=_t(
            """
            Finds, inside an `async def`, `.result()` on `asyncio.run_coroutine_threadsafe(...)`
            and on `<executor>.submit(f, ...)` where `f` is `asyncio.run` (or another loop
            runner) or a project function that enters a loop. The executor form is the usual
            workaround for LS101: `pool.submit(asyncio.run, coro).result()`.
            """
        ),
        why_bad=_t(
            """
            `.result()` blocks the thread, and that thread is the one running the event loop:
            every other task, timer and connection the loop serves stalls until the work is
            done. `run_coroutine_threadsafe(coro, loop).result()` aimed at the loop that is
            running deadlocks outright, because the coroutine can only start once the loop
            gets control back, which `.result()` prevents. The executor form runs the
            coroutine on a second loop in a worker thread, so it cannot share loop-bound
            objects with the caller, and it loses the caller's context variables.
            """
        ),
        example=_m(
            """
            import asyncio
            from concurrent.futures import ThreadPoolExecutor


            async def render_report(report_id: int) -> str:
                ...


            async def handle(report_id: int) -> str:
                with ThreadPoolExecutor() as pool:
                    return pool.submit(asyncio.run, render_report(report_id)).result()
            """
        ),
        use_instead=_m(
            """
            async def handle(report_id: int) -> str:
                return await render_report(report_id)

            # Genuinely blocking *sync* work goes to a thread without blocking the loop:
            #     await asyncio.to_thread(blocking_function, arg)
            """
        ),
        fix_notes=_t(
            """
            Unsafe: the fix awaits the work on the running loop, which changes where it runs.
            Code that relied on running in its own thread (blocking calls inside the
            coroutine, CPU-heavy work) now shares the caller's loop; move such calls to
            `asyncio.to_thread()`.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio
                from concurrent.futures import ThreadPoolExecutor


                async def render(report_id: int) -> str:
                    return str(report_id)


                async def handle(report_id: int) -> str:
                    with ThreadPoolExecutor() as pool:
                        return pool.submit(asyncio.run, render(report_id)).result()
                """
            ),
            _m(
                """
                import asyncio


                async def fetch() -> int:
                    return 1


                async def handle(loop: asyncio.AbstractEventLoop) -> int:
                    return asyncio.run_coroutine_threadsafe(fetch(), loop).result(timeout=5)
                """
            ),
        ),
        valid=(
            _m(
                """
                async def render(report_id: int) -> str:
                    return str(report_id)


                async def handle(report_id: int) -> str:
                    return await render(report_id)
                """
            ),
            _m(
                """
                import asyncio
                import time


                def slow_sum(n: int) -> int:
                    time.sleep(0.1)
                    return sum(range(n))


                async def handle(n: int) -> int:
                    return await asyncio.to_thread(slow_sum, n)
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS106",
        name="loop-entry-at-import",
        summary="A library module enters an event loop at import time.",
        default_action=Action.REVIEW,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) at module level
            or in a class body of a library module: one that other project modules import,
            as opposed to a script or a test module. The code runs whenever the module is
            imported.
            """
        ),
        why_bad=_t(
            """
            Importing a module must not depend on whether a loop is running. When the import
            happens inside a running loop (a lazy import in a coroutine, an ASGI server such
            as uvicorn importing the application from within its own loop, a notebook cell,
            an async test) the import itself fails with
            `RuntimeError: asyncio.run() cannot be called from a running event loop`. Where
            it works, importing becomes slow and does I/O as a side effect, and anything the
            coroutine created is bound to a loop that is already closed.
            """
        ),
        example=_m(
            """
            # settings.py, imported by the rest of the application
            import asyncio

            from app.store import load_settings

            SETTINGS = asyncio.run(load_settings())
            """
        ),
        use_instead=_m(
            """
            # settings.py
            from app.store import load_settings

            _settings: dict[str, str] | None = None


            async def get_settings() -> dict[str, str]:
                global _settings
                if _settings is None:
                    _settings = await load_settings()
                return _settings
            """
        ),
        fix_notes=_t(
            """
            No automatic fix: the replacement depends on who uses the value. Load it lazily
            from async code, or at the program's entry point, and pass it on.
            """
        ),
        # No single-module `invalid` example: a lone module with top-level code is a
        # script (entrypoint, LS100). tests/cases/ covers LS106 with an importing module.
        invalid=(),
        valid=(
            _m(
                """
                import asyncio


                async def init() -> None:
                    await asyncio.sleep(0)


                def main() -> None:
                    asyncio.run(init())


                if __name__ == "__main__":
                    main()
                """
            ),
            _m(
                """
                _settings: dict[str, str] | None = None


                async def load_settings() -> dict[str, str]:
                    return {"mode": "prod"}


                async def get_settings() -> dict[str, str]:
                    global _settings
                    if _settings is None:
                        _settings = await load_settings()
                    return _settings
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS201",
        name="get-event-loop-in-coroutine",
        summary="`asyncio.get_event_loop()` inside a coroutine; `asyncio.get_running_loop()` is the API for that.",
        default_action=Action.FIX,
        fix_safety=FixSafety.SAFE,
        what_it_does=_t(
            """
            Finds `asyncio.get_event_loop()` and `asyncio.get_event_loop_policy().get_event_loop()`
            lexically inside an `async def`.
            """
        ),
        why_bad=_t(
            """
            Inside a coroutine, `get_event_loop()` happens to return the running loop, but it
            is the function whose behaviour depends on global state and has been changing:
            deprecated outside a running loop since Python 3.10, a `DeprecationWarning` in
            3.12 and 3.13 when it has to create a loop, and a `RuntimeError` since 3.14 when
            no loop is set. Code written with it inside a coroutine tends to get moved into
            sync helpers, where it then breaks. The policy form does not even look at the
            running loop and can return a different one; the policy system itself is
            deprecated since Python 3.14.

            `asyncio.get_running_loop()` says what is meant, never creates a loop, and
            raises at once when called without one. The asyncio documentation recommends it
            in coroutines and callbacks.
            """
        ),
        example=_m(
            """
            import asyncio


            async def schedule_tick() -> None:
                loop = asyncio.get_event_loop()
                loop.call_later(1.0, print, "tick")
            """
        ),
        use_instead=_m(
            """
            import asyncio


            async def schedule_tick() -> None:
                loop = asyncio.get_running_loop()
                loop.call_later(1.0, print, "tick")
            """
        ),
        fix_notes=_t(
            """
            The fix replaces the call with `asyncio.get_running_loop()`. It is safe: inside a
            coroutine running on an asyncio loop, that returns the loop `get_event_loop()`
            returned.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio


                async def schedule_tick() -> None:
                    loop = asyncio.get_event_loop()
                    loop.call_later(1.0, print, "tick")
                """
            ),
            _m(
                """
                from asyncio import get_event_loop


                class Store:
                    async def read(self, path: str) -> bytes:
                        loop = get_event_loop()
                        return await loop.run_in_executor(None, self._read, path)

                    def _read(self, path: str) -> bytes:
                        with open(path, "rb") as f:
                            return f.read()
                """
            ),
        ),
        valid=(
            _m(
                """
                import asyncio


                async def schedule_tick() -> None:
                    loop = asyncio.get_running_loop()
                    loop.call_later(1.0, print, "tick")
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS202",
        name="get-event-loop-in-sync-code",
        summary="`asyncio.get_event_loop()` in sync code: deprecated, and it raises on Python 3.14 when no loop is set.",
        default_action=Action.REVIEW,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Finds `asyncio.get_event_loop()` (and a policy's `get_event_loop()`) in sync
            code: sync functions, module level and class bodies. It is accepted (LS100) when
            guarded by a `try` whose handler catches `RuntimeError`, or when it follows
            `asyncio.set_event_loop(...)` in the same function.
            """
        ),
        why_bad=_t(
            """
            Outside a running loop, `get_event_loop()` returns whatever loop is set for the
            current thread, and what happens when none is set depends on the Python version
            and the thread:

            - outside the main thread it has always raised
              `RuntimeError: There is no current event loop in thread '...'`;
            - in the main thread, Python up to 3.13 creates and sets a new loop implicitly,
              and 3.12 and 3.13 emit a `DeprecationWarning` when they do;
            - since Python 3.14 it raises that `RuntimeError` in the main thread too.

            An implicitly created loop is never closed, and a loop fetched this way may be
            one that other code has already closed (`RuntimeError: Event loop is closed`).
            Code that worked for years breaks on a Python upgrade, or as soon as it runs in a
            worker thread.
            """
        ),
        example=_m(
            """
            import asyncio
            from collections.abc import Callable


            def schedule(callback: Callable[[], None]) -> None:
                loop = asyncio.get_event_loop()
                loop.call_soon(callback)
            """
        ),
        use_instead=_m(
            """
            import asyncio
            from collections.abc import Callable


            def schedule(callback: Callable[[], None]) -> None:
                # Only ever called from code running on the loop: say so.
                asyncio.get_running_loop().call_soon(callback)


            # At an entry point, let asyncio own the loop:
            #     asyncio.run(main())
            """
        ),
        fix_notes=_t(
            """
            No automatic fix, because the right replacement depends on where the code runs:
            `asyncio.get_running_loop()` when it only runs on a loop (callbacks, helpers
            called from coroutines); `asyncio.run()` or `asyncio.Runner` at an entry point;
            an explicit `asyncio.new_event_loop()` plus `asyncio.set_event_loop()`, closed
            when done, for legacy code that must keep a loop around.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio
                from collections.abc import Callable


                def schedule(callback: Callable[[], None]) -> None:
                    loop = asyncio.get_event_loop()
                    loop.call_soon(callback)
                """
            ),
            _m(
                """
                import asyncio


                async def main() -> None:
                    await asyncio.sleep(0)


                loop = asyncio.get_event_loop()
                loop.run_until_complete(main())
                """
            ),
        ),
        valid=(
            _m(
                """
                import asyncio
                from collections.abc import Callable


                def schedule(callback: Callable[[], None]) -> None:
                    try:
                        loop = asyncio.get_running_loop()
                    except RuntimeError:
                        callback()
                    else:
                        loop.call_soon(callback)
                """
            ),
            _m(
                """
                import asyncio


                async def main() -> None:
                    await asyncio.sleep(0)


                if __name__ == "__main__":
                    asyncio.run(main())
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS203",
        name="loop-not-closed",
        summary="An event loop is created and never closed, or the current loop is left pointing at a closed loop.",
        default_action=Action.REVIEW,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Finds `new_event_loop()` calls (asyncio's, a policy's, uvloop's) whose loop is
            never closed in the function (for `self.<attr>`, anywhere in the class) and is
            not returned, yielded or handed to another call. Also finds
            `asyncio.set_event_loop(loop)` followed by `loop.close()` in the same function
            with no `asyncio.set_event_loop(None)` afterwards.
            """
        ),
        why_bad=_t(
            """
            A loop owns operating-system resources: a selector and a self-pipe socket pair.
            An unclosed loop keeps them until garbage collection, which then reports
            `ResourceWarning: unclosed event loop` (visible under `-X dev` and fatal under
            `-W error`). Closing a loop that is still the thread's current loop leaves a
            trap: the next `asyncio.get_event_loop()` in that thread returns the closed loop,
            and the next `run_until_complete()` fails with `RuntimeError: Event loop is
            closed`, a classic cause of test failures that depend on test order.
            """
        ),
        example=_m(
            """
            import asyncio
            from collections.abc import Awaitable


            def run_job(job: Awaitable[int]) -> int:
                loop = asyncio.new_event_loop()
                return loop.run_until_complete(job)
            """
        ),
        use_instead=_m(
            """
            import asyncio
            from collections.abc import Coroutine
            from typing import Any


            def run_job(job: Coroutine[Any, Any, int]) -> int:
                with asyncio.Runner() as runner:  # Python 3.11+; asyncio.run(job) closes too
                    return runner.run(job)
            """
        ),
        fix_notes=_t(
            """
            No automatic fix: where to close depends on who else uses the loop. Prefer
            `asyncio.run()` or `asyncio.Runner` (Python 3.11+), which close their loop and
            reset the current loop when done. Otherwise close the loop in a `finally:` block
            and call `asyncio.set_event_loop(None)` after closing it.
            """
        ),
        invalid=(
            _m(
                """
                import asyncio
                from collections.abc import Awaitable


                def run_job(job: Awaitable[int]) -> int:
                    loop = asyncio.new_event_loop()
                    return loop.run_until_complete(job)
                """
            ),
            _m(
                """
                import asyncio
                from collections.abc import Awaitable


                def run_job(job: Awaitable[int]) -> int:
                    loop = asyncio.new_event_loop()
                    asyncio.set_event_loop(loop)
                    try:
                        return loop.run_until_complete(job)
                    finally:
                        loop.close()
                """
            ),
        ),
        valid=(
            _m(
                """
                import asyncio
                from collections.abc import Coroutine
                from typing import Any


                def run_job(job: Coroutine[Any, Any, int]) -> int:
                    with asyncio.Runner() as runner:
                        return runner.run(job)
                """
            ),
            _m(
                """
                import asyncio
                from collections.abc import Awaitable


                def run_job(job: Awaitable[int]) -> int:
                    loop = asyncio.new_event_loop()
                    asyncio.set_event_loop(loop)
                    try:
                        return loop.run_until_complete(job)
                    finally:
                        loop.close()
                        asyncio.set_event_loop(None)
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS204",
        name="nest-asyncio-apply",
        summary="`nest_asyncio.apply()` patches asyncio so that a running loop can be re-entered.",
        default_action=Action.REVIEW,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Finds calls to `nest_asyncio.apply()`, whatever the import form.
            """
        ),
        why_bad=_t(
            """
            nest_asyncio makes `asyncio.run()` and `run_until_complete()` work inside a
            running loop by monkeypatching asyncio for the whole process: it replaces the
            loop's run methods and swaps the C implementations of `Task` and `Future` for the
            slower pure-Python ones. Re-entering the loop runs other tasks from inside a
            callback that has not returned yet, which breaks the assumption asyncio code
            relies on, that nothing else runs between two `await`s. It refuses loops it
            cannot patch, such as uvloop's. And it hides the LS101/LS103 bugs it was added to
            silence, which come back wherever the patch is not applied: another process, a
            test run that does not import the patching module.
            """
        ),
        example=_m(
            """
            import nest_asyncio

            nest_asyncio.apply()
            """
        ),
        use_instead=_m(
            """
            # In a notebook, await at the top level of a cell instead:
            #     result = await fetch_data()
            # In sync code that may be called while a loop runs:
            from loopsafe import run_sync

            result = run_sync(fetch_data(), allow_running_loop=True)
            """
        ),
        fix_notes=_t(
            """
            No automatic fix: removing the patch exposes the nested loop entries it was
            hiding. Fix those first (LS101 to LS104), then delete the call.
            """
        ),
        invalid=(
            _m(
                """
                import nest_asyncio

                nest_asyncio.apply()
                """
            ),
            _m(
                """
                from nest_asyncio import apply


                def setup_notebook() -> None:
                    apply()
                """
            ),
        ),
        valid=(
            _m(
                """
                from loopsafe import run_sync


                async def fetch_data() -> list[int]:
                    return [1, 2, 3]


                def fetch_data_sync() -> list[int]:
                    return run_sync(fetch_data(), allow_running_loop=True)
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS301",
        name="event-loop-fixture-override",
        summary="An `event_loop` fixture overrides the loop fixture that pytest-asyncio 1.0 removed.",
        default_action=Action.FIX,
        fix_safety=FixSafety.UNSAFE,
        what_it_does=_t(
            """
            Finds pytest fixtures (`@pytest.fixture` or `@pytest_asyncio.fixture`) named
            `event_loop`, usually in a `conftest.py`. The finding is reported at the `def`
            line.
            """
        ),
        why_bad=_t(
            """
            Older pytest-asyncio ran every async test in the loop of its `event_loop`
            fixture, and overriding that fixture was the documented way to get a
            session-wide or custom loop. The 0.2x releases deprecated overriding it, with a
            warning on every run, and pytest-asyncio 1.0 removed the fixture. An
            `event_loop` fixture is now an ordinary fixture that pytest-asyncio never uses:
            tests run in pytest-asyncio's own loop, while code that takes the fixture's loop
            (`event_loop.run_until_complete(...)`, clients created on it) works with another
            one. That shows up as `attached to a different loop` errors, `Event loop is
            closed`, or a loop that is created and never used, and the loop scope the
            override was for (usually `session`) is silently lost.
            """
        ),
        example=_m(
            """
            # conftest.py
            import asyncio

            import pytest


            @pytest.fixture(scope="session")
            def event_loop():
                loop = asyncio.new_event_loop()
                yield loop
                loop.close()
            """
        ),
        use_instead=_m(
            """
            # pyproject.toml
            [tool.pytest.ini_options]
            asyncio_default_fixture_loop_scope = "session"
            asyncio_default_test_loop_scope = "session"  # pytest-asyncio 0.26+
            """
        ),
        fix_notes=_t(
            """
            Unsafe: the fix deletes the fixture and sets the loop scope in the pytest
            configuration instead (`asyncio_default_fixture_loop_scope`,
            `asyncio_default_test_loop_scope`, or `loop_scope=` on marks and fixtures).
            Tests that take `event_loop` as an argument must call
            `asyncio.get_running_loop()` instead, and a custom loop class moves to the
            `event_loop_policy` fixture or, from pytest-asyncio 1.4, the
            `pytest_asyncio_loop_factories` hook. Review the diff.
            """
        ),
        invalid=(
            _m(
                """
                # conftest.py
                import asyncio
                from collections.abc import Iterator

                import pytest


                @pytest.fixture(scope="session")
                def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
                    loop = asyncio.new_event_loop()
                    yield loop
                    loop.close()
                """
            ),
        ),
        valid=(
            _m(
                """
                # conftest.py
                from collections.abc import AsyncIterator

                import pytest_asyncio


                @pytest_asyncio.fixture(loop_scope="session", scope="session")
                async def database() -> AsyncIterator[dict[str, int]]:
                    yield {"connections": 1}
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS302",
        name="pytest-asyncio-config",
        summary="pytest-asyncio's mode or default loop scopes are missing or inconsistent.",
        default_action=Action.REVIEW,
        fix_safety=FixSafety.NONE,
        what_it_does=_t(
            """
            Checks the pytest configuration of a project with async tests
            (`[tool.pytest.ini_options]` in `pyproject.toml`, `pytest.ini`, `setup.cfg`,
            `tox.ini`): that `asyncio_mode` is set explicitly, that
            `asyncio_default_fixture_loop_scope` is set, and that the loop scopes of async
            fixtures and of the tests that use them agree. A setting is reported at its
            line in the configuration file, or at the section header when it is missing; an
            async fixture that pytest-asyncio will not run (a plain `@pytest.fixture` in
            strict mode) or whose loop outlives the tests' loops is reported at its `def`.
            The verdict follows the pytest-asyncio version the project uses (its lock file,
            an exact pin, or the installed version within its range): the unset-scope
            warning only exists from 0.24.
            """
        ),
        why_bad=_t(
            """
            Without `asyncio_mode`, pytest-asyncio runs in `strict` mode: it only handles
            async tests marked `@pytest.mark.asyncio` and async fixtures declared with
            `@pytest_asyncio.fixture`; other coroutines are not run (recent pytest fails such
            tests, older versions skipped them with a warning), so whether a test runs
            depends on a default nobody chose. Without
            `asyncio_default_fixture_loop_scope`, pytest-asyncio 0.24 and later warn on every
            run that the default is going to change. And when async fixtures live in a wider
            loop scope than the tests using them (a `session` database pool used by tests
            that each get a `function` loop), what the fixture created belongs to another
            loop than the test: `got Future attached to a different loop`, or
            `Event loop is closed` at teardown.
            """
        ),
        example=_m(
            """
            # pyproject.toml
            [tool.pytest.ini_options]
            testpaths = ["tests"]
            """
        ),
        use_instead=_m(
            """
            # pyproject.toml
            [tool.pytest.ini_options]
            testpaths = ["tests"]
            asyncio_mode = "strict"
            asyncio_default_fixture_loop_scope = "function"
            asyncio_default_test_loop_scope = "function"
            """
        ),
        fix_notes=_t(
            """
            No automatic fix: choosing `strict` or `auto` mode and the loop scopes is a
            decision about the test suite. `strict` with `function` scopes is the
            conservative choice; use a wider scope only when the fixtures and the tests
            that use them are declared with the same `loop_scope`.
            """
        ),
        invalid=(
            _m(
                """
                # test_api.py
                import pytest


                @pytest.mark.asyncio
                async def test_ping() -> None:
                    assert True
                """
            ),
        ),
        # A valid set-up needs a configuration file next to the tests: tests/cases/ has it.
        valid=(),
    )
)

register(
    RuleDoc(
        code="LS303",
        name="sync-fixture-runs-loop",
        summary="A sync fixture or test helper enters an event loop, and async tests use it.",
        default_action=Action.FIX,
        fix_safety=FixSafety.UNSAFE,
        what_it_does=_t(
            """
            Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in a sync
            pytest fixture that an async test requests, and in sync test helpers that async
            tests call, directly or through other sync calls.
            """
        ),
        why_bad=_t(
            """
            A sync helper called from an async test runs inside the test's loop, so its
            `asyncio.run()` raises `RuntimeError: asyncio.run() cannot be called from a
            running event loop`. A sync fixture runs before the test, outside the loop, so
            the call succeeds, but on a throwaway loop that `asyncio.run()` closes at once:
            whatever the coroutine created (a client, a connection, a pool) is bound to a
            dead loop and fails in the test with `attached to a different loop` or
            `Event loop is closed`. `asyncio.run()` also resets the thread's current loop to
            `None` when it finishes, which can disturb the loop pytest-asyncio set up.
            """
        ),
        example=_m(
            """
            # tests/test_users.py
            import asyncio

            import pytest

            from app.users import User, create_user


            @pytest.fixture
            def user() -> User:
                return asyncio.run(create_user("ada"))


            @pytest.mark.asyncio
            async def test_rename(user: User) -> None:
                await user.rename("grace")
            """
        ),
        use_instead=_m(
            """
            # tests/test_users.py
            import pytest
            import pytest_asyncio

            from app.users import User, create_user


            @pytest_asyncio.fixture
            async def user() -> User:
                return await create_user("ada")


            @pytest.mark.asyncio
            async def test_rename(user: User) -> None:
                await user.rename("grace")
            """
        ),
        fix_notes=_t(
            """
            Unsafe: the fix turns the fixture into an async fixture
            (`@pytest_asyncio.fixture async def`, which strict mode requires) that awaits the
            coroutine in the test's loop. Sync tests that request the same fixture then
            need an async variant or a sync one of their own. A helper becomes `async def`
            and its async callers `await` it. Review the diff.
            """
        ),
        invalid=(
            _m(
                """
                # test_users.py
                import asyncio

                import pytest


                async def create_user(name: str) -> dict[str, str]:
                    return {"name": name}


                @pytest.fixture
                def user() -> dict[str, str]:
                    return asyncio.run(create_user("ada"))


                @pytest.mark.asyncio
                async def test_user_name(user: dict[str, str]) -> None:
                    assert user["name"] == "ada"
                """
            ),
            _m(
                """
                # test_orders.py
                import asyncio

                import pytest


                async def make_order() -> dict[str, int]:
                    return {"id": 1}


                def order_sync() -> dict[str, int]:
                    return asyncio.run(make_order())


                @pytest.mark.asyncio
                async def test_order_id() -> None:
                    assert order_sync()["id"] == 1
                """
            ),
        ),
        valid=(
            _m(
                """
                # test_users.py
                import pytest
                import pytest_asyncio


                async def create_user(name: str) -> dict[str, str]:
                    return {"name": name}


                @pytest_asyncio.fixture
                async def user() -> dict[str, str]:
                    return await create_user("ada")


                @pytest.mark.asyncio
                async def test_user_name(user: dict[str, str]) -> None:
                    assert user["name"] == "ada"
                """
            ),
            _m(
                """
                # test_users.py
                import asyncio

                import pytest


                async def create_user(name: str) -> dict[str, str]:
                    return {"name": name}


                @pytest.fixture
                def user() -> dict[str, str]:
                    return asyncio.run(create_user("ada"))


                def test_user_name(user: dict[str, str]) -> None:
                    assert user["name"] == "ada"
                """
            ),
        ),
    )
)

register(
    RuleDoc(
        code="LS304",
        name="asyncio-mark-scope",
        summary="`pytest.mark.asyncio(scope=...)` uses the argument pytest-asyncio renamed to `loop_scope=`.",
        default_action=Action.FIX,
        fix_safety=FixSafety.SAFE,
        what_it_does=_t(
            """
            Finds `pytest.mark.asyncio(scope=...)` on test functions, on test classes and in
            `pytestmark`.
            """
        ),
        why_bad=_t(
            """
            pytest-asyncio 0.23 added `scope=` to the asyncio mark to choose the loop a test
            runs in; 0.24 renamed it `loop_scope=`, matching
            `pytest_asyncio.fixture(loop_scope=...)`, and deprecated `scope=`. Every test
            marked this way now emits a `PytestDeprecationWarning`, which fails the run under
            `-W error` or `filterwarnings = ["error"]`, and a mark with both arguments is an
            error. `scope` is also easily mistaken for a fixture scope, which it never was.
            """
        ),
        example=_m(
            """
            import pytest


            @pytest.mark.asyncio(scope="module")
            async def test_ping() -> None:
                ...
            """
        ),
        use_instead=_m(
            """
            import pytest


            @pytest.mark.asyncio(loop_scope="module")
            async def test_ping() -> None:
                ...
            """
        ),
        fix_notes=_t(
            """
            The fix renames the keyword to `loop_scope=`. It is safe: the new name means
            exactly what the old one did. It needs pytest-asyncio 0.24 or later; 0.23 does
            not know `loop_scope=`.
            """
        ),
        invalid=(
            _m(
                """
                # test_api.py
                import pytest


                @pytest.mark.asyncio(scope="module")
                async def test_ping() -> None:
                    assert True
                """
            ),
            _m(
                """
                # test_api.py
                import pytest

                pytestmark = pytest.mark.asyncio(scope="module")


                async def test_ping() -> None:
                    assert True
                """
            ),
        ),
        valid=(
            _m(
                """
                # test_api.py
                import pytest


                @pytest.mark.asyncio(loop_scope="module")
                async def test_ping() -> None:
                    assert True
                """
            ),
        ),
    )
)
