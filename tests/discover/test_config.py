"""load_config(): `[tool.loopsafe]` in the nearest pyproject.toml, validated strictly."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from loopsafe.discover.config import (
    DEFAULT_RUN_SYNC,
    Config,
    ConfigError,
    find_pyproject,
    load_config,
    parse_table,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def nothing_above(tmp_path: Path) -> None:
    if find_pyproject(tmp_path) is not None:
        pytest.skip("a pyproject.toml above the temporary directory changes the answer")


def test_no_pyproject_gives_defaults(tmp_path: Path) -> None:
    nothing_above(tmp_path)
    (tmp_path / "a").mkdir()
    config = load_config(tmp_path / "a")
    assert config == Config()
    assert config.root is None and config.source is None


def test_all_keys_are_read_with_their_types(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"

[tool.loopsafe]
select = ["LS1", "LS201"]
ignore = ["LS204"]
exclude = ["legacy"]
extend-exclude = ["gen/"]
show-ok = true
jobs = 3
cache = false
cache-dir = ".cache/ls"
respect-gitignore = false
entry-points = ["myapp.cli:main", "myframework.command"]
worker-decorators = ["mytasks.task"]
thread-apis = ["pool.spawn"]
run-sync = "myapp.compat:run_sync"
""",
    )
    config = load_config(tmp_path)
    assert config == Config(
        select=("LS1", "LS201"),
        ignore=("LS204",),
        exclude=("legacy",),
        extend_exclude=("gen/",),
        show_ok=True,
        jobs=3,
        cache=False,
        cache_dir=".cache/ls",
        respect_gitignore=False,
        entry_points=("myapp.cli:main", "myframework.command"),
        worker_decorators=("mytasks.task",),
        thread_apis=("pool.spawn",),
        run_sync="myapp.compat:run_sync",
    )
    assert config.root == tmp_path.resolve()
    assert config.source == (tmp_path / "pyproject.toml").resolve()


def test_nearest_pyproject_with_a_loopsafe_table_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.loopsafe]\nselect = ["LS101"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    write(tmp_path / "sub" / "deeper" / "mod.py", "")
    config = load_config(tmp_path / "sub" / "deeper" / "mod.py")
    assert config.select == ("LS101",)
    assert config.root == tmp_path.resolve()
    write(tmp_path / "sub" / "pyproject.toml", '[tool.loopsafe]\nselect = ["LS2"]\n')
    assert load_config(tmp_path / "sub" / "deeper").select == ("LS2",)


def test_pyproject_without_table_still_marks_the_root(tmp_path: Path) -> None:
    nothing_above(tmp_path)
    write(tmp_path / "proj" / "pyproject.toml", '[project]\nname = "p"\n')
    config = load_config(tmp_path / "proj" / "missing_file.py")
    assert config.root == (tmp_path / "proj").resolve()
    assert config == Config()


@pytest.mark.parametrize(
    "toml",
    [
        '[tool]\nloopsafe = { select = ["LS3"] }\n',
        'tool.loopsafe.select = ["LS3"]\n',
        '[tool . loopsafe]\nselect = ["LS3"]\n',
    ],
)
def test_any_toml_spelling_of_the_table_is_found(tmp_path: Path, toml: str) -> None:
    write(tmp_path / "pyproject.toml", toml)
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'inner'\n")
    assert load_config(tmp_path / "sub").select == ("LS3",)


def test_a_comment_mentioning_the_table_is_not_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.loopsafe]\nignore = ["LS204"]\n')
    write(tmp_path / "sub" / "pyproject.toml", "# see [tool.loopsafe] in the parent\n")
    assert load_config(tmp_path / "sub").ignore == ("LS204",)


def test_unknown_key_is_an_error_naming_the_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.loopsafe]\nextend_exclude = ['x']\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = str(caught.value)
    assert "'extend_exclude'" in message and "pyproject.toml" in message
    assert "\n" not in message


def test_unknown_subtable_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.loopsafe.per-file-ignores]\n'a.py' = ['LS1']\n")
    with pytest.raises(ConfigError, match="unknown key 'per-file-ignores'"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('select = "LS101"', "select must be a list of strings"),
        ("ignore = [1, 2]", "ignore must be a list of strings"),
        ('show-ok = "yes"', "show-ok must be true or false"),
        ("respect-gitignore = 1", "respect-gitignore must be true or false"),
        ("jobs = 0", "jobs must be a positive integer"),
        ("jobs = true", "jobs must be a positive integer"),
        ('jobs = "4"', "jobs must be a positive integer"),
        ('run-sync = "myapp.run_sync"', "run-sync must look like 'module:name'"),
        ('cache-dir = ""', "cache-dir must be a non-empty string"),
        ("cache-dir = 5", "cache-dir must be a non-empty string"),
    ],
)
def test_wrong_types_are_errors(tmp_path: Path, line: str, expected: str) -> None:
    write(tmp_path / "pyproject.toml", f"[tool.loopsafe]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[tool.loopsafe\nselect = []\n", "invalid TOML"),
        (b"[tool.loopsafe]\nselect = [\n", "invalid TOML"),
        (b"[tool.loopsafe]\nselect = ['\xff']\n", "not UTF-8"),
        (b"tool = 3\n", "[tool] must be a table"),
        (b"[tool]\nloopsafe = 3\n", "[tool.loopsafe] must be a table"),
    ],
)
def test_invalid_toml_is_a_one_line_error(tmp_path: Path, content: bytes, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, tmp_path / "pyproject.toml")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_broken_pyproject_that_mentions_loopsafe_is_reported_not_skipped(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pyproject.toml", "[tool.loopsafe]\nselect = [\n")
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path / "sub")


def test_explicit_config_file(tmp_path: Path) -> None:
    custom = write(tmp_path / "ci" / "loopsafe.toml", "[tool.loopsafe]\njobs = 2\n")
    assert load_config(tmp_path, custom).jobs == 2
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path, tmp_path / "missing.toml")


def test_merged_applies_only_given_overrides() -> None:
    base = Config(select=("LS1",), jobs=2, run_sync=DEFAULT_RUN_SYNC)
    merged = base.merged(select=("LS2",), jobs=None, show_ok=True)
    assert merged.select == ("LS2",) and merged.jobs == 2 and merged.show_ok
    assert base.select == ("LS1",)


def test_config_pickles_for_worker_processes(tmp_path: Path) -> None:
    config = Config(select=("LS1",), root=tmp_path)
    assert pickle.loads(pickle.dumps(config)) == config


@pytest.mark.parametrize("value", ["py314", "py39", "PY313"])
def test_target_version_takes_ruffs_spelling(value: str) -> None:
    assert parse_table({"target-version": value}, Path("pyproject.toml")) == {
        "target_version": value
    }


@pytest.mark.parametrize("value", ["3.14", "py2", "python314", ""])
def test_target_version_is_checked(value: str) -> None:
    with pytest.raises(ConfigError, match="target-version must"):
        parse_table({"target-version": value}, Path("pyproject.toml"))
