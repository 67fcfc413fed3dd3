"""Signals customers sends; apps above (loyalty, promotions, orders) receive them to follow along.

Both are sent inside the transaction that does the change, so a receiver's work commits or rolls back
with it."""

from django.dispatch import Signal

# A duplicate profile was folded into another one. kwargs: source, target (Customer instances), actor
# (sellercenter.actor.Actor: who merged them, a system job when nobody did by hand).
# Receivers move their rows (loyalty account, orders...) from source to target.
customer_merged = Signal()

# A customer's personal data was erased. kwargs: customer. Receivers anonymise what they hold.
customer_erased = Signal()

# Behaviour events were stored (sent on commit of the batch). kwargs: shop, events (the stored
# CustomerEvent rows that belong to a customer). Journeys (promotions) start and follow carts from them.
events_recorded = Signal()

# Order lines reached the customer and may now be reviewed. kwargs: shop, customer, order_ref,
# delivered_at. The post-delivery journey asks for the review.
order_delivered = Signal()
