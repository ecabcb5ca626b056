from shop.pricing import price_cart


def build_invoice(cart_id: int) -> dict[str, float]:
    return {"total": price_cart(cart_id)}
