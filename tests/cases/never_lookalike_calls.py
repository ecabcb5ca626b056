"""Things called `run` that are not asyncio's: project functions, methods, subprocess, Flask."""

import asyncio
import subprocess
import threading
import unittest

from flask import Flask

app = Flask(__name__)


def run(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


class Job:
    def run(self) -> None:
        print("job")

    def start(self) -> None:
        self.run()


async def deploy() -> str:
    out = run(["git", "pull"])
    Job().run()
    worker = threading.Thread(target=print)
    worker.run()
    unittest.TextTestRunner().run(unittest.TestSuite())
    await asyncio.sleep(0)
    return out


if __name__ == "__main__":
    app.run(debug=True)
    asyncio.run(deploy())  # expect: LS100 entrypoint ok
