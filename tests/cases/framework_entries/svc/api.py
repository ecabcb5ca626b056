"""A FastAPI route whose name starts with `test_` is not a pytest test."""

import asyncio

from fastapi import FastAPI

app = FastAPI()


async def _probe() -> bool:
    return True


@app.get("/selftest")
def test_connection() -> bool:
    return asyncio.run(_probe())  # expect: LS100 thread ok
