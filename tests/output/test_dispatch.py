from __future__ import annotations

import pytest

from loopsafe.model import Result
from loopsafe.output import FORMATS, github, json, render, sarif, text


def test_dispatch_matches_each_module(result: Result) -> None:
    modules = {"text": text, "json": json, "sarif": sarif, "github": github}
    assert set(FORMATS) == set(modules)
    for fmt, module in modules.items():
        for show_ok in (False, True):
            assert render(fmt, result, show_ok=show_ok) == module.render(result, show_ok=show_ok)


def test_colour_option_only_reaches_text(result: Result) -> None:
    assert "\x1b[" in render("text", result, show_ok=False, color=True)
    for fmt in ("json", "sarif", "github"):
        assert render(fmt, result, show_ok=False, color=True) == render(fmt, result, show_ok=False)


def test_show_ok_defaults_to_false(result: Result) -> None:
    assert render("text", result) == text.render(result, show_ok=False)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", Result())


def test_no_trailing_newline(result: Result) -> None:
    for fmt in FORMATS:
        assert not render(fmt, result, show_ok=True).endswith("\n")
