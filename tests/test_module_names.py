"""Files are named as they are read (the workers start on the first files); files that
turn out to share a name are renamed by their paths and parsed again under that name."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopsafe.engine import analyse_project

SCRIPT = """\
import asyncio


async def main() -> None:
    await asyncio.sleep(0)


def entry() -> None:
    asyncio.run(main())
"""


def _project(root: Path) -> None:
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "run.py").write_text(SCRIPT)  # app.run: no clash
    for folder in ("scripts", "tools", "tests/a", "tests/b"):
        (root / folder).mkdir(parents=True)
    # Not packages: the namer calls both "run", then both "conftest".
    (root / "scripts" / "run.py").write_text(SCRIPT)
    (root / "tools" / "run.py").write_text(SCRIPT.replace("entry", "other"))
    (root / "tests" / "a" / "conftest.py").write_text("import asyncio\n")
    (root / "tests" / "b" / "conftest.py").write_text("import asyncio\nx = (\n")  # a syntax error
    (root / "single.py").write_text(SCRIPT)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("eager", [False, True])
def test_files_that_share_a_name_are_named_by_their_paths(
    tmp_path: Path, jobs: int, eager: bool
) -> None:
    _project(tmp_path)
    analysis = analyse_project([tmp_path], cwd=tmp_path, jobs=jobs, use_cache=False, eager=eager)
    index = analysis.project.index
    paths = dict(index.paths)
    assert paths.pop("app", None) == ("app/__init__.py" if eager else None)  # no trigger in it
    assert paths == {
        "app.run": "app/run.py",
        "scripts.run": "scripts/run.py",
        "tools.run": "tools/run.py",
        "tests.a.conftest": "tests/a/conftest.py",
        "single": "single.py",
    }
    # The facts say the new name throughout, and keep the files' order.
    assert index.modules["scripts.run"].functions["entry"].qualname == "entry"
    assert "tools.run.other" in index.functions and "run.other" not in index.functions
    assert [m for m in index.modules if m != "app"] == [
        "app.run",
        "scripts.run",
        "single",
        "tests.a.conftest",
        "tools.run",
    ]
    # The file that does not parse is reported once.
    assert [e.path for e in analysis.result.parse_errors] == ["tests/b/conftest.py"]
    for module in ("scripts.run", "tools.run"):
        assert [(site.api.value, site.line) for site in index.modules[module].sites] == [
            ("asyncio.run()", 9)
        ]


def test_progress_counts_every_file_once(tmp_path: Path) -> None:
    from loopsafe.engine import analyse

    _project(tmp_path)
    seen: list[tuple[int, int]] = []
    analyse([tmp_path], cwd=tmp_path, use_cache=False, progress=lambda d, t: seen.append((d, t)))
    assert seen and all(done <= total == 7 for done, total in seen)
    assert seen[-1] == (6, 7)  # every file but the empty __init__.py (nothing to parse)
