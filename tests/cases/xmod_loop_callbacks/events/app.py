import asyncio
import signal

from events.flush import flush_buffers, on_done, shutdown, tick, wake


async def startup() -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(flush_buffers)
    loop.call_later(5, tick)
    loop.add_signal_handler(signal.SIGTERM, shutdown)
    loop.call_soon_threadsafe(wake)
    task = asyncio.ensure_future(asyncio.sleep(1))
    task.add_done_callback(on_done)
