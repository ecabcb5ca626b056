"""Notebook-style script: `python run_report.py`."""

import asyncio

import nest_asyncio

nest_asyncio.apply()  # expect: LS204 entrypoint review


async def report() -> str:
    return "done"


print(asyncio.run(report()))  # expect: LS100 entrypoint ok
