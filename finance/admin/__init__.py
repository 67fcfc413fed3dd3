"""Finance in the admin: fee rules, statements and their lines (read-only, exported as CSV or XLSX),
adjustments, payouts (recorded by hand or imported from the bank's file), export jobs and the overview.

Every page is shop-scoped (ShopScopedAdmin); statements and lines are written by the services only.
"""

# Importing the modules registers their ModelAdmins with the admin site.
from finance.admin import base, exports, fees, lines, payouts, statements  # noqa: F401
