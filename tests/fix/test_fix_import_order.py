"""The imports a fix adds land where an isort-style sorter puts them, so a project that
runs ruff's `I` rules (or isort) stays clean after `loopsafe fix`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from loopsafe.fix.import_order import place_new_imports

CASES = Path(__file__).resolve().parents[1] / "cases"
RUFF = Path(sys.executable).with_name("ruff")


def _isort_clean(text: str, filename: str, cwd: Path, first_party: str = "") -> bool:
    """ruff's isort check; `cwd` decides what ruff takes for first-party code (the
    directories there), so it must not be this repository, where `loopsafe` is."""
    config = ["--config", f"lint.isort.known-first-party=['{first_party}']"] if first_party else []
    command = [str(RUFF), "check", "--isolated", *config, "--select", "I", "-q"]
    run = subprocess.run(
        [*command, "--stdin-filename", filename],
        input=text,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return run.returncode == 0


def _place(before: str, after: str, first_party: tuple[str, ...] = ("app",)) -> str:
    return place_new_imports(cst.parse_module(before), cst.parse_module(after), first_party).code


def test_every_stored_fix_of_a_sorted_file_stays_sorted(tmp_path: Path) -> None:
    checked = 0
    for fixed in sorted(CASES.rglob("*.fixed.py")):
        original = fixed.with_name(fixed.name.replace(".fixed.py", ".py"))
        parts = original.relative_to(CASES).parts
        # A case directory is its own project root; a single-file case stands alone.
        cwd, name = (
            (CASES / parts[0], "/".join(parts[1:])) if len(parts) > 1 else (tmp_path, parts[0])
        )
        if not _isort_clean(original.read_text("utf-8"), name, cwd):
            continue
        checked += 1
        assert _isort_clean(fixed.read_text("utf-8"), name, cwd), original
    assert checked >= 50


@pytest.mark.parametrize(
    ("before", "added_last", "expected"),
    [
        pytest.param(
            '"""Doc."""\n\nimport asyncio\n\nfrom app.db import load\n\nX = 1\n',
            '"""Doc."""\n\nimport asyncio\n\nfrom app.db import load\nfrom loopsafe import run_sync\n\nX = 1\n',
            '"""Doc."""\n\nimport asyncio\n\nfrom loopsafe import run_sync\n\nfrom app.db import load\n\nX = 1\n',
            id="third-party-section-between-stdlib-and-first-party",
        ),
        pytest.param(
            "import os\nimport sys\n\nimport httpx\nimport pytest\n\nX = 1\n",
            "import os\nimport sys\n\nimport httpx\nimport pytest\nimport asyncio\n\nX = 1\n",
            "import asyncio\nimport os\nimport sys\n\nimport httpx\nimport pytest\n\nX = 1\n",
            id="stdlib-first-in-its-section",
        ),
        pytest.param(
            "import os\n\nimport httpx\nfrom rich import print\n\nX = 1\n",
            "import os\n\nimport httpx\nfrom rich import print\nfrom loopsafe import run_sync\n\nX = 1\n",
            "import os\n\nimport httpx\nfrom loopsafe import run_sync\nfrom rich import print\n\nX = 1\n",
            id="from-imports-after-straight-ones-by-name",
        ),
        pytest.param(
            "from __future__ import annotations\n\nfrom app import models\n\nX = 1\n",
            "from __future__ import annotations\n\nfrom app import models\nimport asyncio\n\nX = 1\n",
            "from __future__ import annotations\n\nimport asyncio\n\nfrom app import models\n\nX = 1\n",
            id="new-first-section-after-future",
        ),
        pytest.param(
            "import os\n\nfrom . import sibling\n\nX = 1\n",
            "import os\n\nfrom . import sibling\nfrom loopsafe import run_sync\n\nX = 1\n",
            "import os\n\nfrom loopsafe import run_sync\n\nfrom . import sibling\n\nX = 1\n",
            id="before-relative-imports",
        ),
    ],
)
def test_an_added_import_goes_to_its_section(
    tmp_path: Path, before: str, added_last: str, expected: str
) -> None:
    assert _isort_clean(before, "app/mod.py", tmp_path, first_party="app")
    assert _place(before, added_last) == expected
    assert _isort_clean(expected, "app/mod.py", tmp_path, first_party="app")


def test_only_the_leading_block_of_imports_is_sorted_into() -> None:
    """Imports after a `try:` are not part of the block a sorter orders: the added import
    joins the leading block, in its place, and the rest stays as it was."""
    rest = "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
    before = "import os\n" + rest
    after = "import os\nimport asyncio\n" + rest
    assert _place(before, after) == "import asyncio\nimport os\n" + rest
