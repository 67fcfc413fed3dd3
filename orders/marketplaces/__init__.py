"""The marketplaces whose order reports the shop can import: one declaration each (see base)."""

from orders.marketplaces.base import Marketplace
from orders.marketplaces.lazada import LAZADA
from orders.marketplaces.shopee import SHOPEE
from orders.marketplaces.tiktok_shop import TIKTOK_SHOP

MARKETPLACES: dict[str, Marketplace] = {m.channel: m for m in (SHOPEE, LAZADA, TIKTOK_SHOP)}

__all__ = ["MARKETPLACES", "Marketplace"]
