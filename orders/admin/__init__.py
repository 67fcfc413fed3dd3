"""Orders admin: the catalogue, products and stock, the order list and page with the pipeline's actions, returns,
refunds due, payment gateways, shipping (carrier accounts, shipments, COD remittances). Every change
goes through orders.services; status fields are read-only.

The order list is built for a million orders: no full count, filters on indexed columns, related
rows joined in the same query, cursor-free but ordered on an index.
"""

# Importing the modules registers their ModelAdmins with the admin site.
from orders.admin import base, catalogue, orders, payments, products, refunds, returns, shipping  # noqa: F401
