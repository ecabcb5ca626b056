import asyncio

from django.http import JsonResponse


async def _count() -> int:
    return 0


def stats(request):
    # A sync Django view: a worker thread under ASGI, the request's thread under WSGI.
    return JsonResponse({"n": asyncio.run(_count())})  # expect: LS100 thread ok
