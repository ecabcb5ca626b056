import asyncio
import threading


def _run_async_in_thread(coro):
    result: dict[str, object] = {}

    def runner() -> None:
        loop = asyncio.new_event_loop()  # expect: LS100 thread ok
        try:
            result["value"] = loop.run_until_complete(coro)  # expect: LS100 thread ok
        finally:
            loop.close()

    worker = threading.Thread(target=runner, name="eval-runner")
    worker.start()
    worker.join()
    return result["value"]


def evaluate(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # expect: LS100 guarded ok
    return _run_async_in_thread(coro)
