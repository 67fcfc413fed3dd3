"""Signals the kernel sends. Apps above receive them (e.g. loyalty creates a new shop's tiers)."""

from django.dispatch import Signal

# Sent inside the transaction that created the shop; kwargs: shop.
shop_created = Signal()
