from shop.pricing import price_cart


async def build_invoice(cart_id: int) -> dict[str, float]:
    return {"total": await price_cart(cart_id)}
