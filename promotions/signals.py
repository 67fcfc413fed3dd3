"""Signals promotions sends to the apps above it. Promotions gives away and discounts products it
does not own: the catalogue (orders) answers what it holds."""

from django.dispatch import Signal

# Sent when promotions needs to know the shop's products behind some SKUs (free gifts in a quote,
# the SKUs of a campaign being published, the gift of a running campaign in the admin).
# kwargs: shop (Shop), skus (set[str]). A receiver returns {sku: product} for the SKUs it knows; a
# product has `sku`, `name`, `is_active` and `stock_available`, and is handed back to the caller as is
# (the checkout takes gift lines from these products).
catalogue_products_wanted = Signal()
