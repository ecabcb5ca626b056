"""Issue 15, item 3: no process loopsafe starts outlives it.

Real processes and real signals: `python -m loopsafe check --jobs 2` on a tree big enough
for the worker pool, with a file only the LibCST fallback worker can read; the main
process is killed once its children are up, and every process of its group must be gone
within a few seconds. Linux only (children are found through /proc).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from loopsafe.lifeline import EXIT_ORPHANED, POLL_SECONDS

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc"),
    pytest.mark.timeout(120),
]

SANITIZE = str(Path(__file__).resolve().parents[2] / "src/loopsafe/parse/_sanitize.py")
GONE_WITHIN = 5.0  # seconds: POLL_SECONDS plus slack for a loaded machine


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgid) of a live process; None once it is gone or a zombie."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[0], int(fields[1]), int(fields[2])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _in_group(pgid: int) -> list[int]:
    """Live processes of a process group (whoever their parent is now)."""
    return [pid for pid in _all_pids() if (st := _stat(pid)) is not None and st[2] == pgid]


def _children(pid: int) -> list[int]:
    return [p for p in _all_pids() if (st := _stat(p)) is not None and st[1] == pid]


def _wait_for(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _big_tree(root: Path) -> None:
    """~2.4 MB of files with a site each (the pool starts past 400 kB) and, first in
    order, a file in syntax this Python's `ast` rejects (the LibCST worker reads it)."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    body = ["import asyncio", "", "async def main():", "    asyncio.run(main())", ""]
    for j in range(150):
        body += [f"def plain{j}(x):", f"    y = x * {j} + len(str(x))", "    return [y]", ""]
    text = "\n".join(body)
    for i in range(200):
        (package / f"m{i:03}.py").write_text(text)
    newer = "import asyncio\n\ntype Alias = int\n\ndef first[T](x: T) -> T:\n    asyncio.run(x)\n"
    (package / "a_newer.py").write_text(newer * 20)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_die_with_a_killed_main_process(tmp_path: Path, signum: int) -> None:
    _big_tree(tmp_path)
    main = subprocess.Popen(
        [sys.executable, "-m", "loopsafe", "check", "--no-cache", "--jobs", "2", "-q", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: every descendant can be found
    )
    try:
        # The pool workers are forked copies of the main process, and one of the three
        # started the LibCST worker for `a_newer.py`: wait until all of them run.
        def all_up() -> bool:
            group = _in_group(main.pid)
            fallback = any("_sanitize.py" in _cmdline(p) for p in group)
            return main.poll() is None and len(_children(main.pid)) >= 2 and fallback

        _wait_for(all_up, 60, "two pool workers and the LibCST worker")
        descendants = _in_group(main.pid)
        assert len(descendants) >= 4, [_cmdline(p) for p in descendants]
        main.send_signal(signum)
        main.wait(timeout=30)
        _wait_for(lambda: not _in_group(main.pid), GONE_WITHIN, "the workers to exit")
    finally:
        for pid in _in_group(main.pid):  # a failed test must not leave orphans either
            os.kill(pid, signal.SIGKILL)
        if main.poll() is None:
            main.kill()
            main.wait()


_INTERMEDIATE = textwrap.dedent(
    """
    import os, subprocess, sys, time
    from loopsafe.lifeline import Lifeline

    lifeline = Lifeline()
    proc = subprocess.Popen(
        [sys.executable, "-I", sys.argv[1], "--lifeline",
         f"{lifeline.read_fd}:{lifeline.parent_pid}"],
        stdin=0, stdout=subprocess.DEVNULL, pass_fds=(lifeline.read_fd,),
    )
    lifeline.close_read_end()
    print(proc.pid, flush=True)
    time.sleep(600)
    """
)


def test_fallback_worker_dies_with_its_parent_even_with_its_input_open(tmp_path: Path) -> None:
    """The LibCST worker ends at end of its input; the lifeline ends it even when the
    input stays open (here: held by this test, not by the parent that is killed)."""
    reader, writer = os.pipe()
    parent = subprocess.Popen(
        [sys.executable, "-c", _INTERMEDIATE, SANITIZE],
        stdin=reader,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    os.close(reader)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        # Popen returns once the exec has begun; the kernel fills in the new command line
        # a moment later (an empty one was seen on a loaded machine), so wait for it.
        _wait_for(lambda: "_sanitize.py" in _cmdline(worker), 10, "the worker's exec")
        time.sleep(POLL_SECONDS * 2)
        assert _stat(worker) is not None, "the worker must live while its parent does"
        parent.kill()
        parent.wait(timeout=10)
        _wait_for(lambda: _stat(worker) is None, GONE_WITHIN, "the LibCST worker to exit")
    finally:
        os.close(writer)
        for pid in _in_group(parent.pid):
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait()


_BUSY_CHILD = textwrap.dedent(
    """
    import os, subprocess, sys
    from loopsafe.lifeline import Lifeline

    lifeline = Lifeline()
    pid = os.fork()
    if pid == 0:
        from loopsafe.lifeline import watch
        watch(lifeline.read_fd, lifeline.parent_pid, close_fds=(lifeline.write_fd,))
        while True:  # busy: a worker in a long parse never reads its queue
            pass
    print(pid, flush=True)
    os.waitpid(pid, 0)
    """
)


@pytest.mark.parametrize("keep_write_end", [False, True], ids=["pipe", "ppid"])
def test_a_busy_child_exits_when_its_parent_is_killed(keep_write_end: bool) -> None:
    """Both signs work alone: the pipe's end-of-file, and (when the child kept a copy of
    the write end, so the pipe never ends) the changed parent PID."""
    script = _BUSY_CHILD
    if keep_write_end:
        script = script.replace("close_fds=(lifeline.write_fd,)", "close_fds=()")
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(POLL_SECONDS * 2)
        assert _stat(child) is not None
        parent.kill()
        parent.wait(timeout=10)
        _wait_for(lambda: _stat(child) is None, GONE_WITHIN, "the child to exit")
    finally:
        for pid in _in_group(parent.pid):
            os.kill(pid, signal.SIGKILL)


def test_a_child_whose_parent_is_already_gone_exits_at_once() -> None:
    code = textwrap.dedent(
        """
        import os, time
        from loopsafe.lifeline import watch
        watch(-1, os.getppid() + 1_000_000)  # a parent PID that is not this one's
        time.sleep(30)
        """
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], timeout=30, check=False)
    assert done.returncode == EXIT_ORPHANED
    assert time.monotonic() - started < 20
