"""Admin for customers: profiles (with addresses, consent history, timeline, duplicates, merge, data
export and erasure, CSV import), segments (live counts, member export), and the read-only records."""

# Importing the modules registers their ModelAdmins with the admin site.
from customers.admin import consent, customers, records, reviews, segments  # noqa: F401
