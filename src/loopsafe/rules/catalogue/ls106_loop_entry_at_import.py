"""LS106 loop-entry-at-import: A library module enters an event loop at import time."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class LoopEntryAtImport(Rule):
    code = "LS106"
    name = "loop-entry-at-import"
    summary = "A library module enters an event loop at import time."
    default_action = Action.REVIEW
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) at module level
        or in a class body of a library module: one that other project modules import,
        as opposed to a script or a test module. The code runs whenever the module is
        imported.
        """
    )
    why_bad = doc(
        """
        Importing a module must not depend on whether a loop is running. When the import
        happens inside a running loop (a lazy import in a coroutine, an ASGI server such
        as uvicorn importing the application from within its own loop, a notebook cell,
        an async test) the import itself fails with
        `RuntimeError: asyncio.run() cannot be called from a running event loop`. Where
        it works, importing becomes slow and does I/O as a side effect, and anything the
        coroutine created is bound to a loop that is already closed.
        """
    )
    example = snippet(
        """
        # settings.py, imported by the rest of the application
        import asyncio

        from app.store import load_settings

        SETTINGS = asyncio.run(load_settings())  # expect: LS106 module-level review
        """
    )
    use_instead = snippet(
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
    )
    fix_notes = doc(
        """
        No automatic fix: the replacement depends on who uses the value. Load it lazily
        from async code, or at the program's entry point, and pass it on.
        """
    )
    invalid = ()
    valid = (
        snippet(
            """
            import asyncio


            async def init() -> None:
                await asyncio.sleep(0)


            def main() -> None:
                asyncio.run(init())  # expect: LS100 entrypoint ok


            if __name__ == "__main__":
                main()
            """
        ),
        snippet(
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
    )

    no_invalid_example = (
        "it needs a library module that another project module imports; a lone module with "
        "top-level code is a script, whose loop entries are entry points (LS100)"
    )
    kinds = frozenset({SiteKind.RUN, SiteKind.LOOP_RUN})
    outcomes = produces("LS106", Action.REVIEW, Category.MODULE_LEVEL)
    table = (("run / loop-run", "module-level", "LS106", "review"),)

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.category is not Category.MODULE_LEVEL:
            return None
        return Verdict(
            self.code,
            Action.REVIEW,
            f"`{ctx.site.api.value}` runs when the library module {ctx.module} is imported, "
            "and fails if that import happens inside a running loop; move it into a function "
            "or an entry point.",
        )
