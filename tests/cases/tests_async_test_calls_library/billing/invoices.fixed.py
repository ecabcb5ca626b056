from billing._loopsafe_runtime import run_sync


async def _render(iid: int) -> str:
    return f"invoice {iid}"


async def _archive(iid: int) -> None:
    return None


def render_invoice(iid: int) -> str:
    # Called by an async test and by a sync test: the async caller decides.
    return run_sync(_render(iid), fresh_loop=True)  # expect: LS103 reachable-from-async fix path=tests.test_invoices:test_render>billing.invoices:render_invoice


async def render_invoice_async(iid: int) -> str:
    # Called by an async test and by a sync test: the async caller decides.
    return await _render(iid)  # expect: LS103 reachable-from-async fix path=tests.test_invoices:test_render>billing.invoices:render_invoice


def archive(iid: int) -> None:
    # Only a sync test calls it: sync tests count as absent callers, so it is library API.
    run_sync(_archive(iid), fresh_loop=True)  # expect: LS104 sync-wrapper fix
