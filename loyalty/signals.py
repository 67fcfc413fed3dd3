"""Signals loyalty sends; apps above (promotions' journeys) receive them.

Sent inside the transaction that makes the change, so a receiver's work commits or rolls back with it."""

from django.dispatch import Signal

# A member moved up to a higher tier. kwargs: account (LoyaltyAccount, with the new tier), at.
tier_upgraded = Signal()
