"""Reading Python source as Python would, for any file in any repository, without ever
failing the scan: whatever cannot be read becomes a `SourceError` with a line and a one-line
message (reported as LS000).

Code written for a newer Python than the one running (PEP 695 generics, `type` aliases,
PEP 701 f-strings, ...) is still analysed: LibCST reads it and `_sanitize` rewrites the few
constructs the running `ast` rejects into same-shape code, so every position in the tree
matches the original file. LibCST runs in a worker process because its native parser can
crash or stall on hostile input; nothing analysed is ever imported or executed.
"""

from __future__ import annotations

import ast
import atexit
import codecs
import contextlib
import io
import itertools
import os
import re
import stat
import subprocess
import sys
import threading
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopsafe.deep_stack import start_with_stack
from loopsafe.lifeline import Lifeline
from loopsafe.model import ParseError
from loopsafe.parse import _sanitize

__all__ = [
    "MAX_DEPTH",
    "MAX_SOURCE_BYTES",
    "ParsedSource",
    "SourceError",
    "decode_source",
    "parse_source",
    "read_source",
]

# Bigger files are generated data, not code to audit; a 20 MB module needs ~1.5 GB of AST.
MAX_SOURCE_BYTES = 20_000_000
# Deeper syntax trees are rejected: CPython's own compiler gives up not far above this
# (RecursionError), and recursive visitors downstream need ~3 frames per level.
MAX_DEPTH = 200
# The LibCST fallback gets this long per file (plus 1 s per 20 kB) before it is abandoned.
FALLBACK_TIMEOUT = 15.0
_FALLBACK_TIMEOUT_MAX = 120.0


class SourceError(Exception):
    """A file that cannot be read or parsed. `line` is 1-based; 0 means the whole file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type[SourceError], tuple[int, str]]:
        return (SourceError, (self.line, self.message))

    def to_parse_error(self, path: str) -> ParseError:
        return ParseError(path, self.line, self.message)


@dataclass
class ParsedSource:
    """`text` is the decoded file, exactly (BOM removed). With `via_fallback`, `tree` comes
    from the rewritten source: positions all match `text`, but f-strings the running Python
    cannot parse appear as tuples of their replacement fields, PEP 695 type parameters are
    absent and `type X = v` reads as `_ = X = v`."""

    text: str
    tree: ast.Module
    via_fallback: bool
    encoding: str = "utf-8"
    bom: bool = False


# --------------------------------------------------------------------------- reading
def read_source(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file. Never blocks on a FIFO or device, never loads a file
    over the size limit."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise SourceError(0, _os_reason(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(0, "not a regular file")
        if st.st_size > MAX_SOURCE_BYTES:
            raise SourceError(0, _too_large(st.st_size))
        # os.read sized from fstat: a buffered read of the limit would allocate 20 MB for
        # every file. Read on until end of file (it may have grown) or past the limit.
        limit = MAX_SOURCE_BYTES + 1
        chunks: list[bytes] = []
        total = 0
        while total < limit:
            wanted = min(max(st.st_size - total + 1, 65536), limit - total)
            chunk = os.read(fd, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < wanted:
                break  # a short read of a regular file is its end: no second call to see it
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise SourceError(0, _os_reason(exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(0, _too_large(len(data)))
    return data


def _os_reason(exc: OSError) -> str:
    return f"cannot read file: {exc.strerror or exc}"


def _too_large(size: int) -> str:
    return f"file too large to analyse ({size / 1e6:.1f} MB; the limit is {MAX_SOURCE_BYTES / 1e6:.0f} MB)"


# --------------------------------------------------------------------------- decoding
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _cookie(data: bytes) -> tuple[int, str] | None:
    """(line, name) of the PEP 263 declaration, looked for where Python looks."""
    lines = data.splitlines()[:2]
    for index, line in enumerate(lines):
        if index == 0 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        match = _COOKIE.match(line)
        if match:
            return index + 1, match.group(1).decode("ascii", "replace")
        if not re.match(rb"^[ \t\f]*(?:[#\r\n]|$)", line):
            return None  # code on line 1: a cookie on line 2 does not count
    return None


def _line_at(text: str, index: int) -> int:
    """1-based line of `text[index]`, counting \\r\\n, \\r and \\n as Python does."""
    prefix = text[:index]
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1


def _decode(data: bytes) -> tuple[str, str, bool]:
    cookie, encoding, bom = _detect(data)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1]
        prefix = body[: exc.start].decode(codec, "replace")
        line = _line_at(prefix, len(prefix))
        if cookie is None and codec == "utf-8":
            message = (
                f"invalid UTF-8: byte 0x{bad.hex()} ({exc.reason}) and no encoding "
                "declared; see PEP 263"
            )
        else:
            message = f"'{exc.encoding}' codec can't decode byte 0x{bad.hex()}: {exc.reason}"
        raise SourceError(line, message) from None
    except LookupError as exc:  # a codec that is not a text encoding, e.g. rot13
        raise SourceError(cookie[0] if cookie else 1, f"unusable encoding: {exc}") from None
    except (UnicodeError, ValueError) as exc:
        raise SourceError(cookie[0] if cookie else 1, f"cannot decode as {codec}: {exc}") from None
    return text, codec, bom


def _detect(data: bytes) -> tuple[tuple[int, str] | None, str, bool]:
    """(PEP 263 cookie, encoding, UTF-8 BOM) as `tokenize.detect_encoding` finds them. It
    reads the first two lines (split at `\\n`) only, and without a BOM nor `coding` there
    the answer is UTF-8 and no cookie: said at once for nearly every file (the full
    detection cost ~10 us a file: half a second of CPU on 50,000)."""
    if not may_declare_encoding(data) and not data.startswith(codecs.BOM_UTF8):
        return None, "utf-8", False
    return _detect_in_full(data)


def may_declare_encoding(data: bytes) -> bool:
    """Is `coding` in the first two lines (split at `\\n`), where a PEP 263 cookie is
    looked for? False: the file declares no encoding."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    return b"coding" in (data if second < 0 else data[:second])


def _detect_in_full(data: bytes) -> tuple[tuple[int, str] | None, str, bool]:
    bom = data.startswith(codecs.BOM_UTF8)
    cookie = _cookie(data)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = str(exc.msg)
        line = cookie[0] if cookie else 1
        if message.startswith("invalid or missing encoding declaration"):
            encoding = "utf-8"  # the first lines are not UTF-8: say where, below
        elif message.startswith("encoding problem") and bom:
            declared = cookie[1] if cookie else "?"
            raise SourceError(
                line,
                f"encoding problem: the file starts with a UTF-8 BOM but declares '{declared}'",
            ) from None
        elif message.startswith("unknown encoding") and cookie:
            raise SourceError(line, f"unknown encoding: {cookie[1]}") from None
        else:
            raise SourceError(line, message.replace("\n", " ")) from None
    return cookie, encoding, bom


def decode_source(data: bytes) -> str:
    """The text of a Python source file: BOM, PEP 263 cookie, UTF-8 default, as Python."""
    return _decode(data)[0]


# --------------------------------------------------------------------------- parsing
# Python's own limits; the fallback parser would fare worse, not better.
_TOO_DEEP = ("too many nested", "too many levels of indentation", "too complex")
# Constructs newer than some Python that LibCST may read: only worth a fallback if present.
_NEWER_SYNTAX = re.compile(
    # bounded repeats: this runs on hostile files, it must stay linear
    r"""(?<![\w])(?:[rR][fFtT]|[fFtT][rR]?)['"]              # f-strings, t-strings
      | \b(?:def|class)[ \t]{1,50}\w{1,200}[ \t]{0,50}\[     # PEP 695 generics
      | (?:^|[;:])[ \t]{0,200}type[ \t]{1,50}\w               # type aliases
      | \bexcept\*?[ \t]{1,50}[\w.]{1,200}[ \t]{0,50},         # PEP 758 except A, B:
      | \bexcept[ \t]{0,50}\*                                 # PEP 654 except* (3.11)
      | [\[,:][ \t]{0,50}\*[ \t]{0,50}[A-Za-z_]                 # PEP 646 [*Ts], *a: *Ts
    """,
    re.VERBOSE | re.MULTILINE,
)


def _ast_parse(text: str, filename: str) -> ast.Module:
    # Warnings about the analysed code (invalid escapes...) are not ours to print, and
    # under -W error they would turn a valid file into an error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename)


def parse_source(
    data: bytes, filename: str, *, fallback_timeout: float | None = None
) -> ParsedSource:
    """Decode and parse one file. Raises `SourceError` for anything unparseable."""
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(0, _too_large(len(data)))
    text, encoding, bom = _decode(data)
    nul = text.find("\0")
    if nul >= 0:
        raise SourceError(_line_at(text, nul), "source code cannot contain null bytes")
    via_fallback = False
    try:
        tree = _ast_parse(text, filename)
    except SyntaxError as exc:
        line, message = exc.lineno or 1, str(exc.msg).replace("\n", " ")
        if any(marker in message for marker in _TOO_DEEP):
            raise SourceError(line, f"too deeply nested: {message}") from None
        if not _NEWER_SYNTAX.search(text):
            raise SourceError(line, message) from None
        tree = _fallback(text, filename, line, message, fallback_timeout)
        via_fallback = True
    except (RecursionError, MemoryError):
        raise SourceError(1, "too deeply nested: Python's parser gave up") from None
    except ValueError as exc:  # e.g. source that cannot be represented for the parser
        raise SourceError(1, str(exc).replace("\n", " ")) from None
    deep_line = _too_deep(tree, text, MAX_DEPTH)
    if deep_line:
        raise SourceError(deep_line, f"too deeply nested: more than {MAX_DEPTH} levels of syntax")
    return ParsedSource(text, tree, via_fallback, encoding, bom)


def _fallback(
    text: str, filename: str, line: int, message: str, timeout: float | None
) -> ast.Module:
    """Parse `text` that the running `ast` rejected through LibCST and the rewrite; failing
    that, report Python's own error (or a later one LibCST found, if it read further)."""
    if timeout is None:
        size_kb = len(text) / 1000
        timeout = min(FALLBACK_TIMEOUT + size_kb / 20, _FALLBACK_TIMEOUT_MAX)
    sanitized, problem = _FALLBACK.sanitize(text, timeout)
    if sanitized is None:
        later = re.match(r"line (\d+): (?:parser error: )?(?:error at \d+:\d+: )?(.*)", problem)
        if later and int(later.group(1)) > line:
            detail = later.group(2).split("\n")[0]
            noisy = detail.startswith("expected one of") or len(detail) > 100
            raise SourceError(
                int(later.group(1)), "invalid syntax" + ("" if noisy else f" ({detail})")
            )
        raise SourceError(line, message)
    try:
        return _ast_parse(sanitized.decode("utf-8"), filename)
    except SyntaxError as exc:
        # positions are unchanged, so this points at what is really wrong
        raise SourceError(exc.lineno or line, str(exc.msg).replace("\n", " ")) from None
    except (RecursionError, MemoryError):
        raise SourceError(1, "too deeply nested: Python's parser gave up") from None
    except (ValueError, UnicodeDecodeError):
        raise SourceError(line, message) from None


# --------------------------------------------------------------------------- depth
# Nodes that cannot hold anything deeper: contexts, operators, names, constants.
_LEAVES = (
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
    ast.Constant,
    ast.Name,
)
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)
_COMPOUND = tuple(
    getattr(ast, name)
    for name in (
        "FunctionDef",
        "AsyncFunctionDef",
        "ClassDef",
        "If",
        "For",
        "AsyncFor",
        "While",
        "With",
        "AsyncWith",
        "Try",
        "TryStar",
        "Match",
    )
    if hasattr(ast, name)
)
_SIMPLE_STATEMENTS = frozenset(
    kind for kind in ast.stmt.__subclasses__() if not issubclass(kind, _COMPOUND)
)
_WITH_BODY = (*(kind for kind in _COMPOUND if kind.__name__ != "Match"), ast.excepthandler)
_BODIES = ("body", "handlers", "orelse", "finalbody")
_SLACK = 3  # context and operator leaves sit one level below a node without own text


def _too_deep(tree: ast.Module, text: str, limit: int) -> int:
    """The line of a node deeper than `limit`, else 0.

    A construct spanning n bytes is at most ~n levels deep: each level below a node needs
    at least one byte of its own (an operator, a bracket, a dot, a keyword; a nested block
    its keyword and a deeper indentation), plus `_SLACK` for the leaves that have none. So
    only statements, headers and expressions longer than the remaining budget are walked
    into, and a statement whose whole lines fit in the budget (a short def, class or `if`,
    bodies included) is not looked into at all; in ordinary code that leaves nearly every
    top-level statement unvisited, a small fraction of the parse time.
    """
    offsets: list[int] = []
    if _all_short(tree.body, text, limit - 2 - _SLACK, offsets):
        return 0  # the common case: no top-level statement is long enough to be deep

    def offset(line: int, col: int) -> int:
        return offsets[line - 1] + col if line <= len(offsets) else sys.maxsize

    def size(node: ast.AST) -> int:
        try:
            line, end_line = node.lineno, node.end_lineno  # type: ignore[attr-defined]
            col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return sys.maxsize
        if end_line is None or end_col is None:
            return sys.maxsize
        if line == end_line:
            return int(end_col - col)
        return int(offset(end_line, end_col) - offset(line, col))

    def lines_of(node: Any) -> int:
        return _lines_of(node, offsets)

    def header(node: Any) -> int:
        """Bytes from a compound statement's start to its first body statement."""
        first = node.body[0]
        if first.lineno == node.lineno:
            return int(first.col_offset - node.col_offset)
        return int(offset(first.lineno, first.col_offset) - offset(node.lineno, node.col_offset))

    def walk(root: ast.AST, depth: int) -> int:
        """Every node under `root` whose text is longer than what is left of the budget."""
        stack = [(root, depth)]
        while stack:
            node, depth = stack.pop()
            if depth > limit:
                return _first_line(node)
            budget = limit - depth - _SLACK
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, _LEAVES) and (
                    isinstance(child, _BLOCKS) or size(child) >= budget
                ):
                    stack.append((child, depth + 1))
        return 0

    simple = _SIMPLE_STATEMENTS
    blocks: list[tuple[list[Any], int]] = [(tree.body, 2)]
    while blocks:
        statements, depth = blocks.pop()
        if not statements:
            continue
        if depth > limit:
            return _first_line(statements[0])
        budget = limit - depth - _SLACK
        for node in statements:
            if type(node) in simple:
                if node.lineno == node.end_lineno:
                    if node.end_col_offset - node.col_offset <= budget:
                        continue  # the common case: a short one-line statement
                elif size(node) <= budget:
                    continue
            elif lines_of(node) <= budget:
                continue  # a short compound statement: nothing in it can be deeper
            elif isinstance(node, _WITH_BODY) and header(node) <= budget:
                decorators = getattr(node, "decorator_list", ())
                if not decorators or all(size(d) < budget for d in decorators):
                    for name in _BODIES:
                        body = getattr(node, name, None)
                        if body:
                            blocks.append((body, depth + 1))
                    continue  # a short header: only its body can be deep
            line = walk(node, depth)
            if line:
                return line
    return 0


def _line_offsets(text: str) -> list[int]:
    """offsets[i]: the UTF-8 bytes before line i + 1 (as `ast` counts lines and columns)."""
    lengths = map(len, text.encode("utf-8", "surrogatepass").splitlines(keepends=True))
    return list(itertools.accumulate(lengths, initial=0))


def _lines_of(node: Any, offsets: list[int]) -> int:
    """Bytes of the whole lines a statement (decorators included) spans: at least its
    size, from the line table alone."""
    end = node.end_lineno
    if end is None or end >= len(offsets):
        return sys.maxsize
    start = node.lineno
    for decorator in getattr(node, "decorator_list", ()):
        start = min(start, decorator.lineno)
    return int(offsets[end] - offsets[start - 1])


def _all_short(body: list[ast.stmt], text: str, budget: int, offsets: list[int]) -> bool:
    """Does every statement of `body` (a module's, at depth 2) span at most `budget` bytes
    of whole lines? Fills `offsets` with `_line_offsets(text)` for the walk if not."""
    offsets.extend(_line_offsets(text))
    last = len(offsets)
    for node in body:  # `_lines_of`, inlined: this runs for every file
        end = node.end_lineno
        if end is None or end >= last:
            return False
        start = node.lineno
        decorators = getattr(node, "decorator_list", None)
        if decorators:
            start = min(start, *(decorator.lineno for decorator in decorators))
        if offsets[end] - offsets[start - 1] > budget:
            return False
    return True


def _first_line(node: ast.AST) -> int:
    for inner in ast.walk(node):
        line = getattr(inner, "lineno", None)
        if line:
            return int(line)
    return 1


# --------------------------------------------------------------------------- the worker
_HEADER = _sanitize._HEADER
_WORKER_SCRIPT = str(Path(_sanitize.__file__).resolve())


class _FallbackParser:
    """One LibCST worker process per analysing process, started on first use, replaced when
    it crashes or stalls. Requests are serialised."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._lifeline: Lifeline | None = None  # its write end, held while the worker runs
        self._spawn_failed = False

    def sanitize(self, text: str, timeout: float) -> tuple[bytes | None, str]:
        try:
            payload = text.encode("utf-8")
        except UnicodeEncodeError:
            return None, "source is not representable as UTF-8"
        with self._lock:
            proc = self._ensure()
            if proc is None:
                return _sanitize_in_thread(text, timeout)
            return self._request(proc, payload, timeout)

    def _ensure(self) -> subprocess.Popen[bytes] | None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            return proc
        self._proc = None
        if self._spawn_failed or not sys.executable:
            return None
        # The worker exits when this process dies, even in the middle of a long parse (see
        # `loopsafe.lifeline`); where fds cannot be passed, it watches the PID only.
        lifeline = Lifeline()
        passed = (lifeline.read_fd,) if os.name == "posix" else ()
        watched = f"{passed[0] if passed else -1}:{lifeline.parent_pid}"
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", _WORKER_SCRIPT, "--lifeline", watched],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                pass_fds=passed,
            )
        except OSError:
            lifeline.close()
            self._spawn_failed = True
            return None
        lifeline.close_read_end()
        self._lifeline = lifeline
        return self._proc

    def _request(
        self, proc: subprocess.Popen[bytes], payload: bytes, timeout: float
    ) -> tuple[bytes | None, str]:
        result: list[tuple[bytes, bytes]] = []

        def talk() -> None:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(_HEADER.pack(b"R", len(payload)) + payload)
                proc.stdin.flush()
                status, size = _HEADER.unpack(_sanitize.read_exactly(proc.stdout, _HEADER.size))
                result.append((status, _sanitize.read_exactly(proc.stdout, size)))
            except (OSError, EOFError, ValueError):
                pass

        talker = threading.Thread(target=talk, name="loopsafe-fallback", daemon=True)
        talker.start()
        talker.join(timeout)
        if talker.is_alive() or not result:
            stalled = talker.is_alive()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            talker.join()
            self._discard(proc)
            return None, "fallback parser timed out" if stalled else "fallback parser crashed"
        status, body = result[0]
        if status == b"K":
            return body, ""
        return None, body.decode("utf-8", "replace")

    def _discard(self, proc: subprocess.Popen[bytes]) -> None:
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self._proc is proc:
            self._proc = None
            self._drop_lifeline()

    def _drop_lifeline(self) -> None:
        lifeline, self._lifeline = self._lifeline, None
        if lifeline is not None:
            lifeline.close()

    def close(self) -> None:
        """End the worker (at exit): closing its input lets it finish on its own."""
        proc = self._proc
        self._proc = None
        if proc is None:
            return
        try:
            self._drop_lifeline()
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def forget(self) -> None:
        """In a forked child: the worker belongs to the parent. Drop our copies of its pipes
        without touching the process itself."""
        proc = self._proc
        self._proc = None
        self._lock = threading.Lock()
        self._drop_lifeline()  # a copy of the parent's write end would keep its worker alive
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            proc.returncode = 0  # not ours to wait for


def _sanitize_in_thread(text: str, timeout: float) -> tuple[bytes | None, str]:
    """Last resort when no worker process can be started: same work, in-process, on a
    thread with a deep stack (a stall leaves a daemon thread behind, never a hung scan)."""
    result: list[tuple[bytes | None, str]] = []

    def run() -> None:
        try:
            result.append((_sanitize.sanitize(text), ""))
        except _sanitize.SanitizeError as exc:
            result.append((None, str(exc)))
        except Exception as exc:  # RecursionError, LibCST internals
            result.append((None, f"{type(exc).__name__}: {exc}"))

    thread = threading.Thread(target=run, name="loopsafe-fallback", daemon=True)
    start_with_stack(thread, 256 * 1024 * 1024)
    thread.join(timeout)
    if not result:
        return None, "fallback parser timed out"
    return result[0]


_FALLBACK = _FallbackParser()
atexit.register(_FALLBACK.close)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_FALLBACK.forget)
