"""Byte-level prefilters: decide which files are worth parsing, without parsing them.

Only files with a trigger token can hold a site. Beyond those, the call graph needs only
files that can call into a function on a path to a site, and such a file must mention the
function's name and the name of the module it comes from (to import it). Both checks are
plain substring searches over bytes, far cheaper than a parse.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from loopsafe.facts.apis import TRIGGER_TOKENS

_ASYNC_DEF = b"async def"
_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_WORD_TEXT = re.compile(r"[^\W\d]\w*")


def trigger_search(tokens: Iterable[bytes] = TRIGGER_TOKENS) -> tuple[bytes, ...]:
    """What `has_trigger` looks for: a token that contains another (`nest_asyncio` holds
    `asyncio`) is found whenever the shorter one is, so it is left out, one pass over the
    bytes fewer for the many files without any."""
    words = tuple(dict.fromkeys(tokens))
    return tuple(t for t in words if not any(o != t and o in t for o in words))


_TRIGGER_SEARCH = trigger_search()


def has_trigger(data: bytes, search: tuple[bytes, ...] = _TRIGGER_SEARCH) -> bool:
    """`search`: this run's `trigger_search` (the built-in tokens and the top-level modules
    of the APIs rules watch)."""
    return any(token in data for token in search)


def has_async_def(data: bytes) -> bool:
    """Test files with coroutines matter to the pytest-asyncio set-up (LS302), even
    without an asyncio import (`asyncio_mode = auto`)."""
    return _ASYNC_DEF in data


_PYTEST_ASYNCIO = re.compile(r"pytest[-_]asyncio|asyncio_mode|asyncio_default_", re.I)


def mentions_pytest_asyncio(text: str) -> bool:
    return _PYTEST_ASYNCIO.search(text) is not None


def mentions_word(data: bytes, word: bytes) -> bool:
    """`word` occurs in `data` as a whole identifier. Python reads identifiers in NFKC
    form (`ﬁle` is `file`), so a file with non-ASCII text is also searched in that form."""
    start = data.find(word)
    while start != -1:
        end = start + len(word)
        before = data[start - 1 : start]
        after = data[end : end + 1]
        if not (before and _IDENT.match(before)) and not (after and _IDENT.match(after)):
            return True
        start = data.find(word, start + 1)
    if data.isascii():
        return False
    target = unicodedata.normalize("NFKC", word.decode("utf-8", "replace"))
    if target.encode() == word and _is_nfkc(data):
        return False  # nothing to normalize: the byte search above was exact
    return target in _nfkc_words(data)


@functools.lru_cache(maxsize=128)
def _is_nfkc(data: bytes) -> bool:
    return unicodedata.is_normalized("NFKC", data.decode("utf-8", "replace"))


@functools.lru_cache(maxsize=128)
def _nfkc_words(data: bytes) -> frozenset[str]:
    """One NFKC pass per file, however many words are looked up in it (bytes cache their
    hash, so a lookup here costs a dict probe)."""
    return frozenset(identifiers(data))


# Every byte but an ASCII letter, digit or `_` as a space: `identifiers` splits at them.
_WORD_BYTES = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == 95) else 32 for c in range(256)
)


def identifiers(data: bytes) -> set[str]:
    """Every identifier-like word of a file, as Python names them (NFKC)."""
    if data.isascii():
        # Every match of `[A-Za-z_][A-Za-z0-9_]*` (its `findall` took a tenth longer on
        # 50,000 files): a run of letters, digits and `_` holds one identifier, from its
        # first letter or `_` to its end.
        words = set(data.translate(_WORD_BYTES).decode("ascii").split())
        odd = [w for w in words if w[0] <= "9"]  # starts with a digit
        if odd:
            words.difference_update(odd)
            words.update(w for w in (w.lstrip("0123456789") for w in odd) if w)
        return words
    words = set(_WORD_TEXT.findall(data.decode("utf-8", "replace")))
    return {w if w.isascii() else unicodedata.normalize("NFKC", w) for w in words}


def mentions_any(data: bytes, words: Iterable[bytes]) -> bool:
    return any(mentions_word(data, w) for w in words)


_IMPORT_LINE = re.compile(
    rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*\([^)]*\)"
    rb"|^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import|import)[ \t][^\n]*",
    re.M,
)


def imports_word(data: bytes, word: bytes) -> bool:
    """`word` appears in an import statement (`import a.word`, `from .word import x`,
    `from pkg import word`), judged line by line."""
    if word not in data:
        return False
    return any(mentions_word(m.group(0), word) for m in _IMPORT_LINE.finditer(data))
