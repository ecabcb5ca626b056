"""Probes for aiogram 3.12.0: Dispatcher.run_polling(), the sync entry point of a bot.

run_polling() runs start_polling() to completion: it fetches the bot's profile (getMe),
long-polls getUpdates, feeds each update to the routers' handlers, and by default
(handle_signals=True) installs SIGINT/SIGTERM handlers on the running loop that stop the
polling. Offline, the bot gets a session of its own (`BaseSession` is aiogram's public
base class for custom transports, as in aiogram's own tests): getMe answers a bot user,
the first getUpdates one text message, later ones nothing after a short wait. The message
handler records the text and stops the polling the documented way
(`await dispatcher.stop_polling()`), so run_polling() returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _bot_and_dispatcher() -> tuple[Any, Any, list[str]]:
    import asyncio
    import datetime

    from aiogram import Bot, Dispatcher
    from aiogram.client.session.base import BaseSession
    from aiogram.methods import GetMe, GetUpdates
    from aiogram.types import Chat, Message, Update, User

    class OfflineSession(BaseSession):
        def __init__(self) -> None:
            super().__init__()
            self.polls = 0

        async def close(self) -> None:
            pass

        async def make_request(self, bot: Any, method: Any, timeout: Any = None) -> Any:
            if isinstance(method, GetMe):
                return User(id=42, is_bot=True, first_name="Probe", username="probe_bot")
            if isinstance(method, GetUpdates):
                self.polls += 1
                if self.polls == 1:
                    chat = Chat(id=1, type="private")
                    date = datetime.datetime(2024, 8, 1, tzinfo=datetime.timezone.utc)
                    message = Message(message_id=1, date=date, chat=chat, text="hello")
                    return [Update(update_id=1, message=message)]
                await asyncio.sleep(0.05)
                return []
            return True

        async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
            yield b""

    seen: list[str] = []
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def on_message(message: Message, dispatcher: Dispatcher) -> None:
        seen.append(message.text or "")
        await dispatcher.stop_polling()

    bot = Bot("42:PROBE", session=OfflineSession())
    return bot, dispatcher, seen


def _run_polling(**kwargs: object) -> object:
    bot, dispatcher, seen = _bot_and_dispatcher()
    returned = dispatcher.run_polling(bot, **kwargs)
    return (returned, seen)


def _run_polling_then_ctrl_c() -> object:
    # The script goes on after the bot stopped (cleanup, a prompt, a second phase); the
    # user presses Ctrl-C there, as in any sync program.
    import os
    import signal
    import time

    result = _run_polling()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
    except KeyboardInterrupt:
        return (result, "Ctrl-C after run_polling() raised KeyboardInterrupt")
    return (result, "Ctrl-C after run_polling() did nothing")


def _run_polling_twice() -> object:
    # A script that polls, does something else, and polls again with the same dispatcher.
    bot, dispatcher, seen = _bot_and_dispatcher()
    dispatcher.run_polling(bot, handle_signals=False)
    bot2, _, _ = _bot_and_dispatcher()
    dispatcher.run_polling(bot2, handle_signals=False)
    return seen


PROBES: dict[str, Callable[[], object] | str] = {
    "aiogram.dispatcher.dispatcher:Dispatcher.run_polling [run_polling(bot)]": _run_polling,
    "aiogram.dispatcher.dispatcher:Dispatcher.run_polling [handle_signals=False]": (
        lambda: _run_polling(handle_signals=False)
    ),
    "aiogram.dispatcher.dispatcher:Dispatcher.run_polling [then Ctrl-C in the script]": (
        _run_polling_then_ctrl_c
    ),
    "aiogram.dispatcher.dispatcher:Dispatcher.run_polling [twice, same dispatcher]": (
        _run_polling_twice
    ),
}
