async def _fetch_prices(cart_id: int) -> list[float]:
    return [1.0, 2.5]


async def lookup_prices(cart_id: int) -> list[float]:
    return await _fetch_prices(cart_id)  # expect: LS103 reachable-from-async fix path=shop.api:checkout>shop.billing:build_invoice>shop.pricing:price_cart>shop.catalog:lookup_prices
