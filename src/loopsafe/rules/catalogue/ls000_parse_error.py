"""LS000 parse-error: A file could not be read or parsed; it is reported and skipped, never fatal."""

from __future__ import annotations

from loopsafe.model import Action, FixSafety
from loopsafe.rules.registry import Rule, doc, snippet


class ParseError(Rule):
    code = "LS000"
    name = "parse-error"
    summary = "A file could not be read or parsed; it is reported and skipped, never fatal."
    default_action = Action.FIX
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Reports a file that loopsafe could not read (for example, not valid UTF-8) or
        could not parse as Python. The scan goes on without it: the file gets no other
        findings, and fixes never touch it.
        """
    )
    why_bad = doc(
        """
        A file that cannot be parsed cannot be checked. Any `asyncio.run()` inside it is
        invisible, so an all-clear would be wrong; that is why `loopsafe check` exits
        with status 1 while such files remain. Usual causes are a syntax error, a
        Python 2 file, or a template or generated file with a `.py` name.
        """
    )
    example = snippet(
        """
        import asyncio


        async def fetch(:
            await asyncio.sleep(1)
        """
    )
    use_instead = snippet(
        """
        import asyncio


        async def fetch() -> None:
            await asyncio.sleep(1)
        """
    )
    fix_notes = doc(
        """
        No automatic fix. Repair the file, or leave it out of the scan with
        `--exclude GLOB` (or `exclude` in `[tool.loopsafe]`) if it is not Python source.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            def fetch(:
                return asyncio.run(main())
            """
        ),
        snippet(
            """
            import asyncio

            print "starting"
            asyncio.get_event_loop().run_until_complete(main())
            """
        ),
    )
    valid = (
        snippet(
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
    )

    # Not a site: the engine reports files it cannot read or parse (`Result.parse_errors`).
