from billing.invoices import archive, render_invoice, render_invoice_async


async def test_render() -> None:
    assert await render_invoice_async(1) == "invoice 1"


def test_render_sync() -> None:
    assert render_invoice(2) == "invoice 2"


def test_archive() -> None:
    archive(1)
