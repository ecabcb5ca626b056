"""A policy of the project's own: its loop set-up must become a loop factory, by hand."""

import asyncio
import asyncio.events


class TracingPolicy(asyncio.DefaultEventLoopPolicy):  # expect: LS403 module-level fix
    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        loop.set_debug(True)
        return loop


class LegacyBase(asyncio.events.BaseDefaultEventLoopPolicy):  # expect: LS403 module-level fix
    pass


def install_tracing() -> None:
    asyncio.set_event_loop_policy(TracingPolicy())  # expect: LS403 sync-wrapper fix


def current_policy_name() -> str:
    return type(asyncio.get_event_loop_policy()).__name__  # expect: LS403 sync-wrapper fix


POLICY_TYPES = (asyncio.AbstractEventLoopPolicy,)  # expect: LS403 module-level fix


def policy_of(loop_owner) -> asyncio.AbstractEventLoopPolicy:
    # An annotation is no use of the class: evaluated lazily from Python 3.14, never here.
    return loop_owner.policy


CURRENT: asyncio.AbstractEventLoopPolicy | None = None
