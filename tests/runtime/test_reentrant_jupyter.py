"""Re-entrant mode in a real Jupyter kernel (issue 14, measure (c)).

A headless ipykernel, started by jupyter_client with this venv's Python, runs cells the way
a notebook front end sends them. No nest_asyncio anywhere: the kernel process is fresh and
the cells never import it (checked in the kernel). Takes about 3 s.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("greenlet")
pytest.importorskip("ipykernel")
jupyter_client = pytest.importorskip("jupyter_client")

from jupyter_client.blocking.client import BlockingKernelClient  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

TIMEOUT = 30.0


@pytest.fixture
def kernel_manager(tmp_path: Path) -> Iterator[KernelManager]:
    """A kernel of this venv's Python, with every Jupyter/IPython directory inside tmp_path."""
    spec_dir = tmp_path / "kernels" / "loopsafe-test"
    spec_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "loopsafe test", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    manager = KernelManager(
        kernel_name="loopsafe-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
        connection_file=str(tmp_path / "kernel.json"),
        transport="ipc",
        ip=str(tmp_path / "ipc"),
    )
    manager.start_kernel(cwd=str(tmp_path), env={**os.environ, **env})
    try:
        yield manager
    finally:
        manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(kernel_manager: KernelManager) -> Iterator[BlockingKernelClient]:
    """A client of that kernel, its channels started and the kernel ready."""
    client = kernel_manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        yield client
    finally:
        client.stop_channels()


def run_cell(client: BlockingKernelClient, code: str) -> str:
    """Execute one cell and return its stdout; fail with the kernel's traceback on error."""
    out: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = client.execute_interactive(textwrap.dedent(code), timeout=TIMEOUT, output_hook=hook)
    text = "".join(out)
    assert reply["content"]["status"] == "ok", text
    return text


SETUP = """
    import asyncio, time
    from loopsafe import run_sync
    from loopsafe.runtime import is_reentrant

    async def echo(reader, writer):
        while line := await reader.readline():
            writer.write(line.upper())
            await writer.drain()
        writer.close()

    # An async client bound to the kernel's loop: a stream to a server on that loop.
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    class Client:
        def __init__(self, reader, writer):
            self.reader, self.writer = reader, writer

        async def get(self, text):
            self.writer.write(text.encode() + b"\\n")
            await self.writer.drain()
            return (await self.reader.readline()).decode().strip()

    client = Client(*await asyncio.open_connection("127.0.0.1", port))

    def get_sync(text):  # the plain sync wrapper a library would offer
        return run_sync(client.get(text), allow_running_loop=True)

    ticks = []
    async def ticker():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)
    ticking = asyncio.ensure_future(ticker())
"""


def test_sync_wrapper_uses_the_kernel_loop_and_the_kernel_serves_meanwhile(
    kernel: BlockingKernelClient,
) -> None:
    assert run_cell(kernel, "%load_ext loopsafe") == ""
    run_cell(kernel, SETUP)

    # A cell with no top-level await: plain sync code, calling the sync wrapper.
    out = run_cell(
        kernel,
        """
        import sys
        print(is_reentrant(), get_sync("hello"), "nest_asyncio" in sys.modules)
        """,
    )
    assert out.split() == ["True", "HELLO", "False"]

    # A comm on the shell channel: ipykernel handles comm messages on the kernel's own loop
    # even while a cell runs, so its echo proves that loop is not frozen by the cell.
    comm_id = uuid.uuid4().hex
    run_cell(
        kernel,
        """
        in_call = False
        def on_open(comm, msg):
            @comm.on_msg
            def on_msg(msg):
                comm.send({"in_call": in_call, "ticks": len(ticks)})
        get_ipython().kernel.comm_manager.register_target("loopsafe-echo", on_open)
        """,
    )
    kernel.shell_channel.send(
        kernel.session.msg(
            "comm_open", {"comm_id": comm_id, "target_name": "loopsafe-echo", "data": {}}
        )
    )
    run_cell(kernel, "pass")  # the open is handled before this cell (same shell queue)

    # The 300 ms re-entrant call, in a sync cell; meanwhile the test sends a
    # kernel_info_request on the control channel and a comm message on the shell channel.
    msg_id = kernel.execute(
        textwrap.dedent(
            """
            async def slow():
                await asyncio.sleep(0.3)
                return await client.get("slow")

            before = len(ticks)
            print("start", flush=True)
            in_call = True
            started = time.monotonic()
            value = get_sync_value = run_sync(slow(), allow_running_loop=True)
            elapsed = time.monotonic() - started
            in_call = False
            print("end", value, round(elapsed, 3), len(ticks) - before, flush=True)
            """
        )
    )
    events: dict[str, float] = {}
    end_line = ""
    sent_info = ""
    deadline = time.monotonic() + TIMEOUT
    # Until the reply (shell channel) and the cell's last output (iopub) are both in: the
    # two channels are read separately, so either may arrive first.
    while not {"reply", "end", "info", "comm"} <= events.keys() and time.monotonic() < deadline:
        try:
            msg = kernel.iopub_channel.get_msg(timeout=0.005)
        except queue.Empty:
            msg = None
        if msg is not None:
            content = msg["content"]
            if msg["msg_type"] == "stream" and content["text"].startswith("start"):
                events["start"] = time.monotonic()
                info = kernel.session.msg("kernel_info_request")
                sent_info = info["header"]["msg_id"]
                kernel.control_channel.send(info)
                kernel.shell_channel.send(
                    kernel.session.msg("comm_msg", {"comm_id": comm_id, "data": {}})
                )
            elif msg["msg_type"] == "stream" and content["text"].startswith("end"):
                events["end"] = time.monotonic()
                end_line = content["text"]
            elif msg["msg_type"] == "comm_msg" and content["comm_id"] == comm_id:
                events["comm"] = time.monotonic()
                echo = content["data"]
        try:
            control = kernel.control_channel.get_msg(timeout=0.001)
            if control["parent_header"].get("msg_id") == sent_info:
                events["info"] = time.monotonic()
                assert control["content"]["status"] == "ok"
        except queue.Empty:
            pass
        try:
            shell = kernel.shell_channel.get_msg(timeout=0.001)
            if shell["parent_header"].get("msg_id") == msg_id:
                events["reply"] = time.monotonic()
                assert shell["content"]["status"] == "ok", shell["content"]
        except queue.Empty:
            pass

    _, value, elapsed, ticked = end_line.split()
    assert value == "SLOW"
    assert float(elapsed) >= 0.3
    # The kernel's loop ran its other tasks during the call: the ticker (10 ms period)...
    assert int(ticked) >= 10, end_line
    # ... and the comm handler, which ran while the cell was still inside run_sync.
    assert echo["in_call"] is True, echo
    start = events["start"]
    print({name: round(at - start, 3) for name, at in events.items()}, end_line)  # with -s
    # The control channel answered kernel_info while the cell was running.
    assert events["start"] < events["info"] < events["end"], events
    assert events["start"] < events["comm"] < events["end"], events


@pytest.mark.parametrize(
    "first_cell", ["%load_ext loopsafe", "import loopsafe\nloopsafe.enable_reentry()"]
)
def test_one_line_in_the_first_cell_is_enough(
    kernel: BlockingKernelClient, first_cell: str
) -> None:
    run_cell(kernel, first_cell)
    run_cell(kernel, SETUP)
    assert run_cell(kernel, "print(get_sync('a'), is_reentrant())").split() == ["A", "True"]


def test_unload_puts_everything_back(kernel: BlockingKernelClient) -> None:
    run_cell(kernel, "%load_ext loopsafe\n%unload_ext loopsafe")
    run_cell(kernel, SETUP)
    out = run_cell(
        kernel,
        """
        import signal
        print(is_reentrant(), signal.getsignal(signal.SIGINT) is signal.default_int_handler,
              asyncio.get_running_loop().get_task_factory())
        """,
    )
    assert out.split() == ["False", "True", "None"]


def test_without_it_the_wrapper_fails_as_today(kernel: BlockingKernelClient) -> None:
    """The control: the same cells without the first line fail as run_sync does today."""
    run_cell(kernel, SETUP)
    out = run_cell(
        kernel,
        """
        import warnings
        warnings.simplefilter("ignore")
        try:
            get_sync("a")
        except RuntimeError as exc:  # the stream is bound to the kernel's (blocked) loop
            print("refused", is_reentrant(), "different loop" in str(exc))
        """,
    )
    assert out.split() == ["refused", "False", "True"]


def interrupt(manager: KernelManager, client: BlockingKernelClient, code: str) -> tuple[str, float]:
    """Run a cell, interrupt it once it printed "start"; its error name and how long after
    the interrupt its reply came."""
    # stop_on_error=False: the kernel must not abort the next cell because this one failed.
    msg_id = client.execute(textwrap.dedent(code), stop_on_error=False)
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "stream" and "start" in msg["content"]["text"]:
            break
    time.sleep(0.2)
    interrupted = time.monotonic()
    manager.interrupt_kernel()
    while True:
        reply = client.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    assert reply["content"]["status"] == "error"
    return reply["content"]["ename"], time.monotonic() - interrupted


def test_interrupt_cancels_the_reentrant_call_and_the_kernel_lives(
    kernel_manager: KernelManager, kernel: BlockingKernelClient
) -> None:
    """Ctrl-C (the interrupt button: SIGINT to the kernel) while a sync cell waits in a
    re-entrant call cancels the call; the kernel keeps running. A sync cell busy in its own
    code still gets KeyboardInterrupt, as without loopsafe."""
    run_cell(kernel, "%load_ext loopsafe")
    run_cell(kernel, "import asyncio, time\nfrom loopsafe import run_sync")
    name, took = interrupt(
        kernel_manager,
        kernel,
        """
        print("start", flush=True)
        run_sync(asyncio.sleep(20), allow_running_loop=True)
        """,
    )
    assert (name, took < 5) == ("CancelledError", True), took
    name, took = interrupt(kernel_manager, kernel, 'print("start", flush=True)\ntime.sleep(20)')
    assert (name, took < 5) == ("KeyboardInterrupt", True), took
    assert kernel_manager.is_alive()
    code = "print(run_sync(asyncio.sleep(0, 'next'), allow_running_loop=True))"
    assert run_cell(kernel, code) == "next\n"
