from shop.billing import build_invoice


async def checkout(cart_id: int) -> dict[str, float]:
    return await build_invoice(cart_id)
