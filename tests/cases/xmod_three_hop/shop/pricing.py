from shop.catalog import lookup_prices


def price_cart(cart_id: int) -> float:
    return sum(lookup_prices(cart_id))
