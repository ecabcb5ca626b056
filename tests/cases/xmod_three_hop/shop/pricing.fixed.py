from shop.catalog import lookup_prices


async def price_cart(cart_id: int) -> float:
    return sum(await lookup_prices(cart_id))
