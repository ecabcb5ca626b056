"""Output formats for `loopsafe check`: each turns a `Result` into the text the CLI prints.

Formats are imported on demand so `--format json` never loads `rich` and `--format text`
never loads the rule documentation.
"""

from __future__ import annotations

import importlib
from typing import Any

from loopsafe.fsnames import escape_json, printable
from loopsafe.model import Result

FORMATS = ("text", "json", "sarif", "github")
OUTPUT_FORMATS = ("full", "concise")  # the styles of `text` (`--output-format`)


def render(fmt: str, result: Result, **opts: Any) -> str:
    """Render `result` in `fmt`; `opts` are the format's keyword options (`show_ok`, ...).

    The returned string has no trailing newline: the caller prints it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")
    opts.setdefault("show_ok", False)
    if fmt != "text":  # the text style's own options
        for name in ("color", "output_format", "cwd"):
            opts.pop(name, None)
    module = importlib.import_module(f"loopsafe.output.{fmt}")
    text: str = module.render(result, **opts)
    # A file name that is not UTF-8 (see loopsafe/fsnames.py): JSON escapes, text \\xNN.
    return escape_json(text) if fmt in ("json", "sarif") else printable(text)
