from fastapi import APIRouter

from app.util import fetch_profile_sync

router = APIRouter()


@router.get("/profile/{uid}")
async def profile(uid: int) -> dict[str, int]:
    return await fetch_profile_sync(uid)
