"""Signals customers sends; apps above (loyalty, promotions, orders) receive them to follow along.

Both are sent inside the transaction that does the change, so a receiver's work commits or rolls back
with it."""

from django.dispatch import Signal

# A duplicate profile was folded into another one. kwargs: source, target (Customer instances).
# Receivers move their rows (loyalty account, orders...) from source to target.
customer_merged = Signal()

# A customer's personal data was erased. kwargs: customer. Receivers anonymise what they hold.
customer_erased = Signal()
