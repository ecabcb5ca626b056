import asyncio

from fastapi import APIRouter

router = APIRouter(prefix="/hunt")


def _score(article: str) -> float:
    return float(len(article))


@router.post("/compare")
async def process_articles(articles: list[str]) -> list[float]:
    loop = asyncio.get_running_loop()  # expect: LS201 async-context fix
    return [await loop.run_in_executor(None, _score, a) for a in articles]
