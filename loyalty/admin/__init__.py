"""Loyalty admin: the programme and its tiers, member accounts with their ledger, tier history.

Balances, the ledger and tier history are never edited here: points move through the adjustment
action and tiers through the manual-floor action, both of which call services and require a reason.
"""

# Importing the modules registers their ModelAdmins with the admin site.
from loyalty.admin import accounts, history, programme  # noqa: F401
