"""Regressions from fix safety being decided in two places (the verdict and the planner),
and from import cleanup judged on the whole file."""

from __future__ import annotations

from pathlib import Path

from fix_helpers import fix, loopsafe, read, write

CHAINED = """
import asyncio


async def work():
    return 1


async def main():
    return asyncio.get_event_loop().run_until_complete(work())
"""


def test_two_sites_at_one_position_are_each_fixed_by_their_own_rule(tmp_path: Path) -> None:
    """LS102 and LS201 both start at `asyncio.get_event_loop()...`: each fix carries its
    own site, so neither is mistaken for the other (both were 'could not rewrite')."""
    write(tmp_path, {"app.py": CHAINED})
    run = loopsafe(tmp_path, "check", "--diff", "--select", "LS201", "--no-cache")
    assert "+    return asyncio.get_running_loop().run_until_complete(work())" in run.stdout
    assert run.summary().fixed == 1 and run.skips() == []
    run = fix(tmp_path)
    assert run.skips() == []
    assert "    return await work()\n" in read(tmp_path / "app.py")


def test_the_reported_safety_of_a_refused_fix_is_none(tmp_path: Path) -> None:
    """`asyncio.run(x, debug=True)` in a coroutine: the fixer leaves it to a person, and
    the finding says so instead of promising an unsafe fix."""
    source = "import asyncio\n\n\nasync def main():\n    return 1\n\n\nasync def handler():\n"
    source += "    asyncio.run(main(), debug=True)\n"
    write(tmp_path, {"app.py": source})
    run = loopsafe(tmp_path, "check", "--format", "json", "--no-cache")
    assert '"safety": "none"' in run.stdout and '"safety": "unsafe"' not in run.stdout


def test_a_fix_drops_only_the_imports_it_orphaned(tmp_path: Path) -> None:
    """An import nothing used before the fix (a re-export) stays, with its comment; the
    one the fix orphaned goes."""
    write(
        tmp_path,
        {
            "app.py": """
            import asyncio
            from typing import Iterator  # re-exported for callers


            async def fetch():
                return 1


            async def handler():
                return asyncio.run(fetch())
            """
        },
    )
    fix(tmp_path)
    text = read(tmp_path / "app.py")
    assert "from typing import Iterator  # re-exported for callers\n" in text
    assert "import asyncio\n" not in text
    assert "return await fetch()" in text
