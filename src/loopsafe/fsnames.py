"""File names that are not valid UTF-8, as Python holds them and as loopsafe shows them.

On POSIX a file name is bytes. Python decodes it with `surrogateescape` (PEP 383): each
byte that is not UTF-8 becomes a lone surrogate U+DC80..U+DCFF, so `os.fsencode` gives the
exact name back. Such a string cannot be encoded strictly, so every place where a path
leaves loopsafe picks one lossless form:

* hashing and file I/O: the original bytes (`to_bytes`);
* text, GitHub annotations, Markdown and messages: each such byte as `\\xNN`
  (`printable`), as Python's `repr` and `ls -b` show them; the output stays valid UTF-8;
* JSON: the surrogate itself as the JSON escape `\\udcNN` (`escape_json`), which is what
  `json.dumps` does with `ensure_ascii`; `os.fsencode(json.loads(text)["path"])` is the
  name's bytes again;
* SARIF URIs: percent-encoded bytes (`caf%E9.py`), RFC 3986's own way (see output/sarif.py);
* module names: `_xNN` (`identifier`): such a file cannot be imported by that name anyway.
"""

from __future__ import annotations

import re

_ESCAPED = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def to_bytes(text: str) -> bytes:
    """The bytes a name (or any text holding one) stood for: UTF-8, escapes undone."""
    return text.encode("utf-8", "surrogateescape")


def has_escapes(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def printable(text: str) -> str:
    """`text` with every byte that was not UTF-8 shown as `\\xNN` (any other lone
    surrogate as `\\udNNN`): safe to write to any UTF-8 stream."""
    if not has_escapes(text):
        return text
    return _SURROGATE.sub(_backslashed, text)


def _backslashed(match: re.Match[str]) -> str:
    char = match.group()
    if _ESCAPED.match(char):
        return f"\\x{ord(char) - 0xDC00:02x}"
    return f"\\u{ord(char):04x}"


def escape_json(dumped: str) -> str:
    """JSON text from `json.dumps(..., ensure_ascii=False)` with each lone surrogate
    written as its `\\uNNNN` escape (a surrogate only ever stands inside a string there)."""
    if not has_escapes(dumped):
        return dumped
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def identifier(name: str) -> str:
    """A module name without escapes: each undecodable byte as `_xNN`."""
    if not has_escapes(name):
        return name
    return _SURROGATE.sub(lambda m: f"_x{ord(m.group()) & 0xFF:02x}", name)
