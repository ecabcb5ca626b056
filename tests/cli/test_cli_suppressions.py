"""Suppression comments: `# noqa: LS101`, `# loopsafe: ignore[LS101]` and
`# loopsafe: ignore` hide a finding on their own line, and nothing else does."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import invoke, write


def reported_lines(tmp_path: Path, body: str) -> list[int]:
    """Lines of the findings left in a coroutine whose statements are `body`'s lines
    (unused suppressions, LS001, left out: tests/cli/test_cli_adopt.py has those)."""
    statements = "".join(f"    {line}\n" for line in body.strip("\n").split("\n"))
    write(tmp_path, {"mod.py": "import asyncio\n\n\nasync def handler():\n" + statements})
    run = invoke(["check", "--format", "json", "--no-cache", "--ignore", "LS001"], tmp_path)
    return sorted(f["line"] for f in run.findings())


# The statements start on line 5 of the module.
@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: LS101",
        "# noqa:LS101",
        "# noqa: ls101",
        "# noqa: LS1",
        "# noqa: LS101, LS201",
        "# noqa: LS201 LS101",
        "# loopsafe: ignore[LS101]",
        "# loopsafe: ignore[LS201, LS101]",
        "# loopsafe: ignore[LS1]",
        "# loopsafe: ignore",
        "# loopsafe:ignore",
    ],
)
def test_suppression_hides_the_finding_on_its_line_only(tmp_path: Path, comment: str) -> None:
    lines = reported_lines(
        tmp_path,
        f"""
asyncio.run(first())
asyncio.run(second())  {comment}
asyncio.run(third())
""",
    )
    assert lines == [5, 7]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: E501",
        "# loopsafe: ignore[LS201]",
        "# noqa: LS102",
        "# type: ignore",
    ],
)
def test_other_codes_do_not_suppress(tmp_path: Path, comment: str) -> None:
    assert reported_lines(tmp_path, f"asyncio.run(x())  {comment}\n") == [5]


def test_bare_noqa_does_not_suppress(tmp_path: Path) -> None:
    """A bare `# noqa` leaves loopsafe findings in place, by design.

    loopsafe only honours noqa comments that name LS codes (or its own
    `# loopsafe: ignore`): a codebase full of flake8-style blanket `# noqa` lines, written to
    silence line-length or import warnings, must not hide event-loop hazards on those lines.
    """
    assert reported_lines(tmp_path, "asyncio.run(x())  # noqa\n") == [5]


def test_a_comment_on_the_line_above_does_not_suppress(tmp_path: Path) -> None:
    lines = reported_lines(tmp_path, "# noqa: LS101\nasyncio.run(x())\n# loopsafe: ignore\n")
    assert lines == [6]


def test_suppressing_every_finding_makes_the_exit_status_0(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "mod.py": """
                import asyncio


                async def handler():
                    asyncio.run(x())  # noqa: LS101
                    return asyncio.get_event_loop()  # loopsafe: ignore[LS201]
                """
        },
    )
    run = invoke(["check"], tmp_path)
    assert (run.code, run.codes()) == (0, [])
    assert run.stdout.startswith("All clear")


def test_suppression_applies_to_ok_sites_too(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "tool.py": "import asyncio\n\nif __name__ == '__main__':\n    asyncio.run(m())  # noqa: LS100\n"
        },
    )
    assert invoke(["check", "--format", "json"], tmp_path).findings() == []


def test_uppercase_noqa_does_not_depend_on_other_lines(tmp_path: Path) -> None:
    alone = reported_lines(tmp_path / "a", "asyncio.run(x())  # NOQA: LS101\n")
    beside = reported_lines(
        tmp_path / "b", "asyncio.run(x())  # NOQA: LS101\nasyncio.run(y())  # noqa: LS101\n"
    )
    assert beside == []  # the regex itself is case-insensitive
    assert alone == beside


def test_noqa_listing_other_codes_first(tmp_path: Path) -> None:
    assert reported_lines(tmp_path, "asyncio.run(x())  # noqa: E501, LS101\n") == []


def test_noqa_inside_a_string_does_not_suppress(tmp_path: Path) -> None:
    assert reported_lines(tmp_path, 'asyncio.run(log("# noqa: LS101"))\n') == [5]
