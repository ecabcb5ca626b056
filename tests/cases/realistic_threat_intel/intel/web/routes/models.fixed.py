import asyncio

from fastapi import APIRouter

from intel.services.versions import get_latest_version

router = APIRouter(prefix="/models")


@router.get("/latest")
async def latest() -> dict[str, str]:
    latest_version = await get_latest_version()  # expect: LS101 async-context fix
    return {"version": latest_version}


def _retrain_blocking() -> str:
    return asyncio.run(get_latest_version())  # expect: LS100 thread ok


@router.post("/retrain")
async def retrain() -> dict[str, str]:
    loop = asyncio.get_running_loop()
    version = await loop.run_in_executor(None, _retrain_blocking)
    return {"version": version}
