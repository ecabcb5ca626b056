"""What the rules about loop entries (LS101-LS103, LS303) say alike."""

from __future__ import annotations

from loopsafe.model import Action
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import await_fix
from loopsafe.rules.registry import Verdict


def in_coroutine(code: str, ctx: SiteContext) -> Verdict:
    """LS101 / LS102: a loop entry lexically inside a coroutine."""
    return Verdict(
        code,
        Action.FIX,
        f"`{ctx.site.api.value}` inside coroutine `{ctx.name}` raises 'cannot be called from "
        "a running event loop' (or blocks it); `await` the coroutine instead.",
        await_fix(ctx),
    )


def reachable_message(ctx: SiteContext) -> str:
    """LS103 / LS303: a loop entry in a sync function that async code calls."""
    path = " -> ".join(ctx.call_path)
    return (
        f"`{ctx.site.api.value}` in `{ctx.name}` runs inside a running loop because async "
        f"code calls it ({path}); make the chain async and `await` it, or hand the call to "
        "a thread."
    )
