"""Admin for promotions: campaigns (status, spend, actions, results), voucher codes (export), redemptions.

Every write goes through promotions.services; the campaign form validates with the service's own
rules. Dates are entered and shown in the shop's time zone.
"""

# Importing the modules registers their ModelAdmins with the admin site. Journeys (automations) have
# their own admin module beside their services.
from promotions.admin import campaigns, redemptions, vouchers  # noqa: F401
from promotions.journeys import admin as journeys_admin  # noqa: F401
