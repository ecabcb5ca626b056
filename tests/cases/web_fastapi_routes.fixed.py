"""FastAPI: async routes run on the loop; sync routes, sync dependencies and background tasks in the thread pool."""

import asyncio

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


async def _query(sql: str) -> list[dict[str, int]]:
    return []


def get_settings() -> list[dict[str, int]]:
    return asyncio.run(_query("select 1"))  # expect: LS100 thread ok


def send_welcome(email: str) -> None:
    asyncio.run(_query(email))  # expect: LS100 thread ok


@app.get("/users")
async def list_users() -> list[dict[str, int]]:
    return await _query("select * from users")  # expect: LS101 async-context fix


@app.get("/health")
def health() -> list[dict[str, int]]:
    return asyncio.run(_query("select 1"))  # expect: LS100 thread ok


@app.post("/signup")
async def signup(email: str, tasks: BackgroundTasks, settings=Depends(get_settings)) -> dict:
    tasks.add_task(send_welcome, email)
    return {"ok": True}
