"""`import asyncio`: the plain form, inside a coroutine and under the main guard."""

import asyncio


async def fetch_user(user_id: int) -> dict[str, int]:
    await asyncio.sleep(0)
    return {"id": user_id}


async def handler(user_id: int) -> dict[str, int]:
    return await fetch_user(user_id)  # expect: LS101 async-context fix


if __name__ == "__main__":
    print(asyncio.run(fetch_user(1)))  # expect: LS100 entrypoint ok
