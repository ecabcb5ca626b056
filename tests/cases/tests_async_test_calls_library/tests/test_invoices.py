from billing.invoices import archive, render_invoice


async def test_render() -> None:
    assert render_invoice(1) == "invoice 1"


def test_render_sync() -> None:
    assert render_invoice(2) == "invoice 2"


def test_archive() -> None:
    archive(1)
